"""Reads that more than one door needs: what a person sees about their connections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.socialaccount.adapter import get_adapter as get_socialaccount_adapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from connections.humanize import ago, clock, day
from connections.models import Connection, ConnectionEvent, Credential, ImportRun
from connections.providers import PROVIDERS, spec_for
from connections.providers.catalog import Permission, ProviderSpec
from connections.services.flags import Cause, flag_message
from connections.services.scheduling import PUSH_RECENT

# After this long with nothing but failures, a connection shows "Error" (still not re-auth).
ERROR_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class Status:
    code: str  # connected | paused | permission_missing | needs_reauth | error | disabled | removed
    label: str  # the pill: "Connected — paused until 14:05"
    explanation: str  # one line under it
    tone: str  # css: ok, ok-outline, warn, bad, bad-outline, off
    missing: tuple[Permission, ...] = ()

    @property
    def needs_user(self) -> bool:
        return self.code in {"needs_reauth", "permission_missing"}

    @property
    def can_import(self) -> bool:
        return self.code in {"connected", "paused", "error"}


# Every status a person's pill may show, worst first, with its words and colour: the admin's
# counts, filters and charts use these too, so support reads what the person reads.
STATUSES = [
    ("needs_reauth", "Needs re-authorization", "bad"),
    ("error", "Error", "bad-outline"),
    ("permission_missing", "Permission missing", "warn"),
    ("paused", "Connected — paused", "ok-outline"),
    ("connected", "Connected", "ok"),
    ("disabled", "Disabled", "off"),
    ("removed", "Removed", "off"),
]
NOT_WORKING = ("needs_reauth", "error", "permission_missing")


def status_q(code: str) -> Q:
    """The rows whose derived status (connection_status) is code, as one database filter."""
    now = timezone.now()
    active = Q(enabled=True, credential__status=Credential.Status.ACTIVE)
    missing = Q(last_error_code="scope_missing")
    error = Q(failing_since__lte=now - ERROR_AFTER)
    paused = Q(paused_until__gt=now)
    return {
        "disabled": Q(enabled=False, credential__isnull=False),
        "removed": Q(enabled=False, credential__isnull=True),
        "needs_reauth": Q(enabled=True)
        & (Q(credential__isnull=True) | ~Q(credential__status=Credential.Status.ACTIVE)),
        "permission_missing": active & missing,
        "error": active & ~missing & error,
        "paused": active & ~missing & ~error & paused,
        "connected": active & ~missing & ~error & ~paused,
    }[code]


SEVERITY = [
    "unavailable",
    "needs_reauth",
    "error",
    "permission_missing",
    "paused",
    "connected",
    "disabled",
    "removed",
]


_day, _time = day, clock


def connection_status(*, connection: Connection) -> Status:
    """The status a person sees for one connection, derived in DESIGN.md's order."""
    spec = PROVIDERS.get(connection.provider)
    name = spec_for(connection.provider).short_name
    credential = connection.credential
    now = timezone.now()
    if not connection.enabled and connection.credential_id is None:
        # The person removed the provider: its grant is gone, its feeds and data are kept. The
        # pill keeps DESIGN.md's status word (switched off: Disabled); the line says why.
        return Status(
            "removed",
            "Disabled",
            f"{name} was removed: nothing is imported. Everything it imported is kept.",
            "off",
        )
    if not connection.enabled:
        return Status("disabled", "Disabled", "Nothing is imported. Your data is kept.", "off")
    if spec is None:
        return Status(
            "unavailable",
            "Not available on this Tendon",
            f"This Tendon no longer offers {name}, so nothing is imported. Your data is kept; "
            "you can disable or remove it.",
            "off",
        )
    if credential is None or credential.status != Credential.Status.ACTIVE:
        since = credential.status_changed_at if credential else connection.updated_at
        explanation = f"{name} stopped accepting our access on {_day(since)}."
        if credential is not None and credential.flag_cause not in ("", Cause.PROVIDER):
            explanation = f"{_day(since)}: " + flag_message(
                credential=credential, cause=credential.flag_cause, note=credential.flag_note
            )
        return Status("needs_reauth", "Needs re-authorization", explanation, "bad")
    if credential.tokens_unreadable:
        return Status(
            "needs_reauth",
            "Needs re-authorization",
            "We can no longer read the access you gave us (a key changed on our side, not "
            "yours). Reconnect to fix it; nothing imported is lost.",
            "bad",
        )
    missing = tuple(spec.missing_permissions(connection.feed, credential.scopes)) if spec else ()
    if missing:
        what = ", ".join(p.label.lower() for p in missing)
        return Status(
            "permission_missing",
            f"Permission missing: {what}",
            f"You did not allow {what} data.",
            "warn",
            missing=missing,
        )
    if connection.failing_since and connection.failing_since <= now - ERROR_AFTER:
        if connection.last_error_code == "account_inactive":
            return Status(
                "error",
                f"Error: no data shared since {_day(connection.failing_since)}",
                f"{spec.account_owner} says the membership on this account is not active; "
                "importing resumes on its own once it is renewed.",
                "bad-outline",
            )
        return Status(
            "error",
            f"Error: not answering since {_day(connection.failing_since)}",
            f"{name} has not answered since {_day(connection.failing_since)}. "
            "We keep trying automatically; nothing for you to do yet.",
            "bad-outline",
        )
    last = connection.last_success_at
    last_words = f"Last import: {ago(last)}." if last else "Not imported yet."
    if connection.paused_until and connection.paused_until > now:
        return Status(
            "paused",
            f"Connected — paused until {_time(connection.paused_until)}",
            f"{name} asked us to slow down; we resume on our own.",
            "ok-outline",
        )
    return Status(
        "connected", "Connected", f"{_schedule_words(connection, name)} {last_words}", "ok"
    )


def _schedule_words(connection: Connection, name: str) -> str:
    """How imports happen: as the provider pushes (with polling as the safety net), or polled."""
    if connection.last_push_at and connection.last_push_at > timezone.now() - PUSH_RECENT:
        hours = settings.PUSH_RECONCILE_HOURS
        every = "hour" if hours == 1 else f"{hours} hours"
        return f"Updates arrive as soon as {name} sends them; we also check every {every}."
    return f"Importing every {settings.IMPORT_INTERVAL_MINUTES} minutes."


def trouble_since(*, connection: Connection) -> datetime | None:
    """Since when a connection that is not working has not been: its first failure in a row,
    else when its grant last changed (stopped working, or was given without a permission).
    The health dashboard and the connection's admin page both say this."""
    if connection.failing_since is not None:
        return connection.failing_since
    if connection.credential is not None:
        return connection.credential.status_changed_at
    return connection.updated_at


def worst_status(statuses: list[Status]) -> Status | None:
    if not statuses:
        return None
    return min(statuses, key=lambda s: SEVERITY.index(s.code))


def providers_offered(*, request=None) -> list[ProviderSpec]:
    """Providers a person may connect: those with an OAuth client configured."""
    adapter = get_socialaccount_adapter()
    offered = []
    for spec in PROVIDERS.values():
        try:
            adapter.get_app(request, provider=spec.id)
        except SocialApp.DoesNotExist:
            continue
        offered.append(spec)
    return offered


def connection_for_user(*, user, pk: int) -> Connection:
    """The user's connection pk; Connection.DoesNotExist for anyone else's."""
    return Connection.objects.select_related("credential").get(pk=pk, user=user)


def connection_runs(*, connection: Connection, limit: int = 20) -> list[ImportRun]:
    return list(connection.runs.all()[:limit])


def connection_timeline(*, connection: Connection, limit: int = 20) -> list[ConnectionEvent]:
    return list(connection.events.select_related("actor")[:limit])


def credentials_needing_user(*, user) -> list[Credential]:
    """Live grants that only the user can fix, oldest incident first."""
    return list(
        Credential.objects.filter(user=user, status=Credential.Status.NEEDS_REAUTH)
        .prefetch_related("connections")
        .order_by("status_changed_at")
    )


@dataclass(frozen=True)
class AttentionItem:
    name: str
    since: str
    reconnect_connection_id: int | None


def attention_items(*, user) -> list[AttentionItem]:
    """One entry per grant that needs the user to reconnect, for the banner on every page."""
    items = []
    for credential in credentials_needing_user(user=user):
        spec = PROVIDERS.get(credential.provider)
        connections = list(credential.connections.all())
        successes = [c.last_success_at for c in connections if c.last_success_at]
        since = max(successes) if successes else credential.status_changed_at
        items.append(
            AttentionItem(
                name=spec.short_name if spec else credential.provider,
                since=_day(since),
                reconnect_connection_id=connections[0].pk if connections else None,
            )
        )
    return items


@dataclass(frozen=True)
class EndingItem:
    name: str
    message: str
    reconnect_connection_id: int | None


def access_ending_items(*, user) -> list[EndingItem]:
    """One entry per live grant Tendon cannot renew whose coming end the person was told about
    (connections/services/expiry.py), for the notice on every page until they reconnect."""
    from connections.messages import access_ending

    items = []
    credentials = (
        Credential.objects.filter(
            user=user, status=Credential.Status.ACTIVE, expiry_notified_at__isnull=False
        )
        .exclude(expires_at__isnull=True)
        .prefetch_related("connections")
        .order_by("expires_at")
    )
    for credential in credentials:
        spec = spec_for(credential.provider)
        connections = list(credential.connections.all())
        items.append(
            EndingItem(
                name=spec.short_name,
                message=access_ending(spec, ends=credential.expires_at),
                reconnect_connection_id=connections[0].pk if connections else None,
            )
        )
    return items
