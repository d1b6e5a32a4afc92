"""Connections in the admin: health at a glance, safe actions, full history, no secrets."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, Value, When
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from connections.admin.actions import BackfillForm, OperateMixin, earliest_backfill
from connections.admin.common import pill, relative
from connections.admin.filters import FailingFilter, ProviderFilter, StatusFilter, status_q
from connections.messages import push_reason
from connections.models import (
    Connection,
    ConnectionEvent,
    ImportRun,
    SetAsideRecord,
    WebhookHint,
)
from connections.providers import PROVIDERS
from connections.selectors import connection_status
from connections.services.connections import (
    AuthorizationNeeded,
    connection_disable,
    connection_enable,
    connection_reset_cursor,
)
from connections.services.scheduling import ImportAlreadyRunning, connection_import_now
from records.selectors import records_summary

HISTORY = 20


@admin.register(Connection)
class ConnectionAdmin(OperateMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "status_pill",
        "user_email",
        "provider_name",
        "feed",
        "last_success",
        "next_run",
        "token_expires",
        "short_error",
    )
    list_display_links = ("id", "status_pill")
    list_filter = (StatusFilter, ProviderFilter, "feed", FailingFilter)
    list_select_related = ("user", "credential")
    list_per_page = 100
    show_full_result_count = False
    search_fields = ("=id", "=account_uid", "user__email__iexact")
    search_help_text = "Exact connection id, provider account id, or e-mail address."
    raw_id_fields = ("user", "credential")
    actions = [
        "refresh_token_now",
        "import_now",
        "disable",
        "enable",
        "flag_for_reauthorization",
        "reset_cursor",
        "reset_connection",
    ]
    change_form_template = "admin/connections/connection/change_form.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "status_pill",
                    "user_link",
                    "provider_name",
                    "feed",
                    "account_uid",
                    "enabled",
                )
            },
        ),
        (
            "Import",
            {
                "fields": (
                    "cursor",
                    "next_run",
                    "last_success",
                    "failing",
                    "short_error",
                    "records_imported",
                    "last_hint",
                )
            },
        ),
        ("Access (token values are never shown)", {"fields": ("token_metadata", "scopes_table")}),
        ("Timeline", {"fields": ("timeline",)}),
        ("Import runs", {"fields": ("runs_table",)}),
        ("Records set aside", {"fields": ("set_aside_table",)}),
    )

    def get_queryset(self, request):
        # Failing first: needs re-authorization, then errors, then missing permissions.
        return (
            super()
            .get_queryset(request)
            .annotate(
                attention=Case(
                    When(status_q("needs_reauth"), then=Value(0)),
                    When(status_q("error"), then=Value(1)),
                    When(status_q("permission_missing"), then=Value(2)),
                    When(failing_since__isnull=False, then=Value(3)),
                    default=Value(9),
                    output_field=IntegerField(),
                )
            )
            .order_by("attention", "-id")
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isdigit():
            return queryset.filter(pk=int(term)) | queryset.filter(account_uid=term), False
        return super().get_search_results(request, queryset, term)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only page; changes go through the actions

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    @admin.display(description="status")
    def status_pill(self, obj):
        return pill(connection_status(connection=obj))

    @admin.display(description="user", ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description="user")
    def user_link(self, obj):
        return format_html(
            '<a href="../../../accounts/user/{}/change/">{}</a>', obj.user_id, obj.user.email
        )

    @admin.display(description="provider", ordering="provider")
    def provider_name(self, obj):
        spec = PROVIDERS.get(obj.provider)
        return spec.short_name if spec else obj.provider

    @admin.display(description="last success", ordering="last_success_at")
    def last_success(self, obj):
        return relative(obj.last_success_at, empty="never")

    @admin.display(description="next run", ordering="next_run_at")
    def next_run(self, obj):
        return relative(obj.next_run_at)

    @admin.display(description="failing since")
    def failing(self, obj):
        if obj.failing_since is None:
            return "not failing"
        return format_html(
            "{} — {} day(s) with failures", relative(obj.failing_since), obj.failure_days
        )

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

    @admin.display(description="token expires")
    def token_expires(self, obj):
        return relative(obj.credential.expires_at) if obj.credential else "no grant"

    @admin.display(description="last error")
    def short_error(self, obj):
        if not obj.last_error_code:
            return "—"
        return format_html(
            '<span title="{}">{}</span>',
            obj.last_error_message,
            obj.last_error_message[:60] or obj.last_error_code,
        )

    @admin.display(description="records imported")
    def records_imported(self, obj):
        count, latest = records_summary(
            user_id=obj.user_id, provider=obj.provider, account_uid=obj.account_uid, feed=obj.feed
        )
        if not count:
            return "none yet"
        return format_html("{} record(s), the latest dated {}", count, relative(latest))

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
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        )

    @admin.display(description="scopes")
    def scopes_table(self, obj):
        spec = PROVIDERS.get(obj.provider)
        granted = set(obj.credential.scopes) if obj.credential else set()
        needed = set(spec.feeds.get(obj.feed, ())) if spec else set()

        def label(scope: str) -> str:
            permission = spec.permissions.get(scope) if spec else None
            return permission.label if permission else scope.rsplit("/", 1)[-1]

        rows = [
            (
                label(scope),
                scope.rsplit("/", 1)[-1],
                "yes" if scope in needed else "",
                "yes" if scope in granted else "NO",
            )
            for scope in sorted(needed | granted)
        ]
        return format_html(
            "<table><tr><th>Permission</th><th>Scope</th><th>This feed needs it</th>"
            "<th>Granted</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
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
                "<table>{}</table>",
                format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
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
            "<tr><th>Queued</th><th>Outcome</th><th>API calls</th><th>New</th><th>Updated</th>"
            "<th>Error</th><th></th></tr>"
        )
        return (
            format_html(
                "<table>{}{}</table>",
                mark_safe(header),  # noqa: S308 - a constant
                format_html_join("", "<tr>" + "<td>{}</td>" * 7 + "</tr>", rows),
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
            "<table><tr><th>Record</th><th>Kind</th><th>Why</th><th>Seen</th><th>Last</th></tr>"
            "{}</table>",
            format_html_join(
                "",
                '<tr><td><a href="{}">…{}</a></td><td>{}</td><td>{}</td>'
                "<td>{}×</td><td>{}</td></tr>",
                rows,
            ),
        )

    @admin.action(description="Import now", permissions=["operate"])
    def import_now(self, request, queryset):
        for connection in queryset:
            try:
                connection_import_now(connection=connection, actor=request.user)
            except ImportAlreadyRunning:
                self._done(request, connection, "already being imported", messages.WARNING)
            else:
                self._done(request, connection, "import queued")
        return self._back(request)

    @admin.action(description="Disable", permissions=["operate"])
    def disable(self, request, queryset):
        for connection in queryset:
            connection_disable(connection=connection, actor=request.user)
            self._done(request, connection, "disabled")
        return self._back(request)

    @admin.action(description="Enable", permissions=["operate"])
    def enable(self, request, queryset):
        for connection in queryset:
            try:
                connection_enable(connection=connection, actor=request.user)
            except AuthorizationNeeded:
                self._done(
                    request,
                    connection,
                    "cannot enable: the user must grant access again",
                    messages.ERROR,
                )
            else:
                self._done(request, connection, "enabled")
        return self._back(request)

    @admin.action(description="Reset the cursor to a date (backfill)…", permissions=["operate"])
    def reset_cursor(self, request, queryset):
        earliest = earliest_backfill({c.provider for c in queryset})
        form = BackfillForm(request.POST if "apply" in request.POST else None, earliest=earliest)
        if form.is_valid():
            since = form.cleaned_data["since"]
            for connection in queryset:
                connection_reset_cursor(connection=connection, since=since, actor=request.user)
                self._done(
                    request, connection, f"will import everything again from {since:%d %b %Y}"
                )
            return self._back(request)
        return TemplateResponse(
            request,
            "admin/connections/connection/backfill.html",
            {
                **self.admin_site.each_context(request),
                "title": "Backfill: import again from a date",
                "form": form,
                "queryset": queryset,
                "opts": self.model._meta,
                "next": request.POST.get("next", ""),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
