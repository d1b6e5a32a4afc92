"""The connection's own page in the admin: everything support may see about one connection,
its grant (never a token), its permissions by name, timeline, runs and set-aside records."""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from connections.admin.common import relative
from connections.messages import push_reason
from connections.models import ConnectionEvent, ImportRun, SetAsideRecord, WebhookHint
from connections.providers import PROVIDERS
from connections.selectors import NOT_WORKING, connection_status, trouble_since
from records.selectors import records_summary

HISTORY = 20


class ConnectionPageMixin:
    """Read-only fields of ConnectionAdmin's change page."""

    @admin.display(description="not working since")
    def failing(self, obj):
        """Since when, and how, the connection has not been working: what the dashboard's
        "Failing now" counts it as (a grant that needs the person, a missing permission, an
        error, or failures it still retries), never "not failing" beside a dead grant."""
        status = connection_status(connection=obj)
        since = trouble_since(connection=obj)
        days = ""
        if obj.failing_since is not None and obj.failure_days:
            days = f" — failures on {obj.failure_days} day{pluralize(obj.failure_days)}"
        if status.code in NOT_WORKING:
            return format_html("{}: {}{}", relative(since), status.label, days)
        if obj.failing_since is not None and status.can_import:
            return format_html("{}: retrying{}", relative(obj.failing_since), days)
        if status.code in ("disabled", "removed", "unavailable"):
            return f"not counted: {status.label.lower()}, nothing is imported"
        return "working"

    @admin.display(description="last push")
    def last_hint(self, obj):
        hint = WebhookHint.objects.filter(connection=obj).first()
        if hint is None:
            return "No push received for this connection; it is polled."
        pending = " A hint is waiting for the import under way." if obj.hint_pending_at else ""
        return format_html(
            "{} — {}: {}.{}",
            relative(hint.received_at),
            hint.get_outcome_display(),
            push_reason(hint.reason),
            pending,
        )

    @admin.display(description="records imported")
    def records_imported(self, obj):
        count, latest = records_summary(
            user_id=obj.user_id, provider=obj.provider, account_uid=obj.account_uid, feed=obj.feed
        )
        if not count:
            return "none yet"
        # Daily feeds date their records by day, the others by the moment.
        when = relative(latest) if isinstance(latest, datetime) else f"{latest:%-d %b %Y}"
        return format_html("{} record{}, the latest dated {}", f"{count:,}", pluralize(count), when)

    @admin.display(description="token")
    def token_metadata(self, obj):
        credential = obj.credential
        if credential is None:
            return "No grant: removed. The user can Enable it again."
        readable = (
            "UNREADABLE: no key in TOKEN_ENCRYPTION_KEYS decrypts them (restore the old key)"
            if credential.tokens_unreadable
            else "readable"
        )
        rows = [
            ("Grant status", credential.get_status_display()),
            ("Stored tokens", readable),
            ("Provider account", f"{credential.account_label} ({credential.account_uid})"),
            ("Access token expires", relative(credential.expires_at)),
            ("Last refreshed", relative(credential.last_refreshed_at, empty="never")),
            ("Refresh failures in a row", credential.refresh_failures),
            ("User told to reconnect", relative(credential.notified_at, empty="no")),
        ]
        return format_html(
            '<table class="stack">{}</table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description="permissions")
    def scopes_table(self, obj):
        spec = PROVIDERS.get(obj.provider)
        granted = set(obj.credential.scopes) if obj.credential else set()
        needed = set(spec.feeds.get(obj.feed, ())) if spec else set()

        def label(scope: str) -> str:
            permission = spec.permissions.get(scope) if spec else None
            return permission.label if permission else scope.rsplit("/", 1)[-1]

        rows = [
            (
                scope,
                label(scope),
                "yes" if scope in needed else "",
                "yes" if scope in granted else "NO",
            )
            for scope in sorted(needed | granted)
        ]
        return format_html(
            '<table class="stack"><thead><tr><th>Permission</th><th>This feed needs it</th>'
            "<th>Granted</th></tr></thead>{}</table>",
            format_html_join(
                "",
                '<tr><td title="{}">{}</td><td data-label="This feed needs it">{}</td>'
                '<td data-label="Granted">{}</td></tr>',
                rows,
            ),
        )

    @admin.display(description=f"last {HISTORY} events")
    def timeline(self, obj):
        events = ConnectionEvent.objects.filter(connection=obj).select_related("actor")[:HISTORY]
        rows = [
            (
                relative(e.created_at),
                e.get_kind_display(),
                e.message,
                e.actor.email if e.actor else e.get_actor_kind_display(),
            )
            for e in events
        ]
        return (
            format_html(
                '<table class="stack">{}</table>',
                format_html_join(
                    "",
                    '<tr><td>{}</td><td>{}</td><td class="wide">{}</td><td>{}</td></tr>',
                    rows,
                ),
            )
            if rows
            else "No events yet."
        )

    @admin.display(description=f"last {HISTORY} runs")
    def runs_table(self, obj):
        runs = ImportRun.objects.filter(connection=obj)[:HISTORY]
        rows = [
            (
                relative(r.queued_at),
                r.get_outcome_display(),
                r.api_calls,
                r.created_count,
                r.updated_count,
                r.error_code,
                r.error_message[:200],
            )
            for r in runs
        ]
        header = (
            "<thead><tr><th>Queued</th><th>Outcome</th><th>API calls</th><th>New</th>"
            "<th>Updated</th><th>Error</th><th></th></tr></thead>"
        )
        row = (
            '<tr><td>{}</td><td>{}</td><td data-label="API calls">{}</td>'
            '<td data-label="New">{}</td><td data-label="Updated">{}</td><td>{}</td>'
            '<td class="wide">{}</td></tr>'
        )
        return (
            format_html(
                '<table class="stack">{}{}</table>',
                mark_safe(header),  # noqa: S308 - a constant
                format_html_join("", row, rows),
            )
            if rows
            else "No import has run yet."
        )

    @admin.display(description="records the provider sent that could not be stored")
    def set_aside_table(self, obj):
        items = SetAsideRecord.objects.filter(connection=obj).order_by("-last_seen_at")[:HISTORY]
        rows = [
            (
                reverse("admin:connections_setasiderecord_change", args=[item.pk]),
                item.key[-40:],
                item.kind,
                item.reason,
                item.times_seen,
                relative(item.last_seen_at),
            )
            for item in items
        ]
        if not rows:
            return "None: every record the provider sent was stored."
        return format_html(
            '<table class="stack"><thead><tr><th>Record</th><th>Kind</th><th>Why</th>'
            "<th>Seen</th><th>Last</th></tr></thead>{}</table>",
            format_html_join(
                "",
                '<tr><td><a href="{}">…{}</a></td><td>{}</td><td class="wide">{}</td>'
                '<td data-label="Seen">{}×</td><td data-label="Last">{}</td></tr>',
                rows,
            ),
        )
