"""The words people read about connecting, in one place (see ../shared/UX.md)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format

from connections.providers.catalog import ProviderSpec


def mask_account(label: str) -> str:
    """An e-mail shown as b…@gmail.com; anything else as it is."""
    if "@" not in label:
        return label
    local, _, domain = label.partition("@")
    return f"{local[:1]}…@{domain}"


def connected(spec: ProviderSpec, feeds: list[str], *, reconnected: bool) -> str:
    if reconnected:
        return (
            f"{spec.short_name} is reconnected. Importing continues from where it stopped; "
            "nothing imported so far was lost."
        )
    note = f" {spec.history_note}" if spec.history_note else ""
    return f"{spec.short_name} is connected. Importing starts now.{note}"


def must_act_at_provider(spec: ProviderSpec, action: str) -> str:
    """The provider holds the data back until the person acts on its side; action says how."""
    return f"{action} Nothing was changed."


def access_ending(spec: ProviderSpec, *, ends: datetime) -> str:
    """A grant Tendon cannot renew ends soon (timeline, e-mail, the notice on every page)."""
    day = date_format(timezone.localtime(ends), "j F")
    return (
        f"{spec.account_owner}'s permission for Tendon ends on {day}, and {spec.account_owner} "
        f"gives Tendon no way to renew it. Reconnect {spec.short_name} before then to keep your "
        "data flowing; nothing imported so far is lost."
    )


def held_elsewhere(spec: ProviderSpec) -> str:
    return (
        f"This {spec.short_name} account is already connected to another Tendon account. "
        "Each provider account can feed one Tendon account; remove it there first."
    )


def wrong_account(spec: ProviderSpec, *, actual: str, expected: str) -> str:
    return (
        f"You signed in to {spec.account_owner} as {mask_account(actual)}, but this connection "
        f"belongs to {mask_account(expected)}. Sign out of {spec.account_owner}, or use Enable "
        "to add the other account. Nothing was changed."
    )


def cancelled(spec: ProviderSpec) -> str:
    return (
        f"You did not allow Tendon to access {spec.short_name}, so nothing was changed. "
        "You can connect it at any time."
    )


def nothing_allowed(spec: ProviderSpec) -> str:
    return (
        f"{spec.account_owner} gave Tendon no health permission, so nothing was connected. "
        "Please try again and allow at least one."
    )


def bad_state(spec: ProviderSpec) -> str:
    return (
        f"We could not finish connecting {spec.short_name}: the answer from "
        f"{spec.account_owner} did not match a request from this browser (it may have expired). "
        "Nothing was changed. Please start again from this page."
    )


def permission_refused(spec: ProviderSpec, permission) -> str:
    """A permission without which the connection cannot last was not granted (the one that
    brings a refresh token, say): nothing was connected."""
    return (
        f"{spec.account_owner} did not give Tendon \u201c{permission.label}\u201d, which Tendon "
        f"needs {permission.reason}, so nothing was connected. Please try again and keep "
        f"\u201c{permission.label}\u201d allowed."
    )


def account_inactive(spec: ProviderSpec) -> str:
    return (
        f"{spec.account_owner} says the membership on this account is not active, so it shares "
        "no data with apps and nothing was connected. Once it is renewed, connect again."
    )


def code_refused(spec: ProviderSpec) -> str:
    return (
        f"{spec.account_owner} did not accept the sign-in (it may have expired or been used "
        "already). Nothing was changed. Please try again."
    )


def provider_trouble(spec: ProviderSpec) -> str:
    return (
        f"{spec.account_owner} is not answering properly right now, so we could not finish "
        "connecting. Nothing was changed. Please try again in a few minutes."
    )


def provider_error(spec: ProviderSpec, code: str) -> str:
    return (
        f"{spec.account_owner} reported a problem ({code}), so nothing was connected. "
        "Nothing was changed. Please try again."
    )


def not_logged_in(spec: ProviderSpec) -> str:
    return f"Log in to Tendon first, then connect {spec.short_name} from My Account > Connect."


def removed(spec: ProviderSpec, *, revoked: bool | None) -> str:
    if revoked:
        revocation = f"{spec.account_owner} has revoked our access."
    elif revoked is None:
        revocation = (
            f"We could not reach {spec.account_owner} to revoke our access yet; we keep asking "
            f"in the background (you can also remove Tendon in your {spec.account_owner} "
            "account settings)."
        )
    else:
        revocation = (
            f"{spec.account_owner} did not confirm that our access is revoked; you can remove "
            f"Tendon in your {spec.account_owner} account settings."
        )
    return (
        f"{spec.short_name} is removed. {revocation} Everything already imported stays in Tendon."
    )


def run_problem(spec: ProviderSpec | None, code: str) -> str:
    """A run's failure in plain words that say whose doing it was; "" when there was none.

    The error text itself (codes, database messages) is for support: it stays in the admin."""
    owner = spec.account_owner if spec else "The provider"
    if not code:
        return ""
    return {
        "needs_reauth": f"{owner} no longer accepts our access: reconnect to continue.",
        "scope_missing": "A permission this feed needs was not given.",
        "rate_limited": f"{owner} asked us to slow down; importing continued later.",
        "unreachable": f"{owner} did not answer; we retried on our own.",
        "bad_response": f"{owner} sent something we could not read, so nothing was stored "
        "from it; we retried on our own.",
        "provider_error": f"{owner} reported a problem; we retried on our own.",
        "account_inactive": f"{owner} says the membership on this account is not active, so "
        "it shares no data for now; importing resumes on its own once it is renewed.",
        "provider_refused": f"{owner} refused Tendon's request for a reason on Tendon's side "
        "(not yours); our team can see it and we retry on our own.",
        "internal_error": "Something went wrong on Tendon's side (not yours, not "
        f"{owner}'s). It is logged for our team and we retried on our own.",
        "lost": "Tendon's worker stopped during this import; it was started again.",
        "superseded": "A newer import of this feed took over.",
        "disabled": "The feed was switched off.",
        "unavailable": "This Tendon no longer offers this service.",
        "tokens_unreadable": "Tendon could not read the access it stored (a server key "
        "changed). Our team is told; reconnecting fixes it for you.",
    }.get(code, "It did not finish; we retry on our own.")


# What one record of a feed is called when counting them ("31 days imported").
FEED_UNITS = {
    "activities": ("workout", "workouts"),
    "sleep": ("night", "nights"),
    "body": ("measurement", "measurements"),
    "heart_rate": ("day", "days"),
    "daily": ("day", "days"),
}


def counted(n: int, feed: str) -> str:
    one, many = FEED_UNITS.get(feed, ("record", "records"))
    return f"{n:,} {one if n == 1 else many}"


def run_counts(*, feed: str, created: int, updated: int) -> str:
    """'31 days: 1 new, 30 updated', '31 days imported', or 'nothing new'."""
    if created and updated:
        return f"{counted(created + updated, feed)}: {created:,} new, {updated:,} updated"
    if created:
        return f"{counted(created, feed)} imported"
    if updated:
        return f"{counted(updated, feed)} updated"
    return "nothing new"


def skipped(n: int) -> str:
    """Records a run could not store (set aside for support), or ''."""
    return f" · {n:,} record{'' if n == 1 else 's'} skipped" if n else ""


def took(seconds: float | None) -> str:
    """How long a run took, as a person says it: 'under a second', '4.2 s', '3 min 5 s';
    '' when it did not run (skipped) or the time is unknown."""
    if seconds is None:
        return ""
    if seconds < 1:
        return "under a second"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def run_progress(*, outcome: str, weeks_done: int | None = None, weeks: int | None = None) -> str:
    """A run that has not finished, as it stands: never as if an empty import had finished."""
    if outcome == "queued":
        return "Queued\u2026 it starts within a minute."
    if weeks and weeks > 1 and weeks_done is not None:
        return f"Importing\u2026 {min(weeks_done, weeks)} of ~{weeks} weeks"
    return "Importing\u2026"


def actor_words(actor_kind: str) -> str:
    """Who did it, on a person's timeline: them, our support team, or Tendon on its own."""
    return {"user": "You", "staff": "Our support team"}.get(actor_kind, "Tendon")


def unavailable(spec: ProviderSpec) -> str:
    return (
        f"{spec.short_name} is not available on this Tendon any more, so nothing is imported "
        "from it. Everything imported so far is kept; you can disable or remove it."
    )


# What a push did, in words for support staff (connections/services/push.py reasons).
PUSH_REASONS = {
    "queued": "import started at once",
    "coalesced": "work already on its way takes it in (an import under way, or a grant check due)",
    "due": "due now; the dispatcher starts it within a minute",
    "deferred": (
        "unsigned, and the connection was imported moments ago: it imports again once "
        "UNSIGNED_PUSH_GAP_SECONDS are up, however many come"
    ),
    "unsigned_cap": (
        "unsigned, and unsigned pushes already started their share of this provider's imports "
        "for now; left to polling"
    ),
    "paused": "waits: the provider asked us to slow down",
    "backing_off": "waits: the provider is failing; next try as scheduled",
    "grant_check": "said the person unlinked Tendon; checking the grant",
    "grant_check_later": (
        "said the person unlinked Tendon; the grant was checked minutes ago, so it is checked "
        "again when those 5 minutes are up"
    ),
    "unknown_account": "for an account no one connected here",
    "not_enabled": "for a connection that is off, removed or needs reconnecting",
    "no_feed": "for data Tendon does not import",
    "permission_missing": "for data the person did not allow",
    "wrong_authorization": "wrong Authorization header",
    "no_authorization": "no Authorization header",
    "no_signature": "no signature",
    "bad_signature": "signature does not match the body",
    "unknown_key": "signed with a key the provider does not publish",
    "keyset_unavailable": "could not fetch the provider's public keys; it will retry",
    "stale_timestamp": "signed more than 5 minutes away from our clock (a replay, or a clock off)",
    "not_set_up": "push from this provider is not set up here",
    "not_json": "body is not JSON",
    "bad_shape": "body is not the provider's documented shape",
    "too_large": "body over 256 KB",
    "network": "sent from an address outside WITHINGS_NOTIFY_ALLOWED_NETWORKS",
    "rate_limited": "too many for one account in a minute; dropped",
    "wrong_subscription": "for another application's push subscription",
    "wrong_verify_token": "verification request with the wrong verify token",
}


def push_reason(reason: str) -> str:
    return PUSH_REASONS.get(reason, reason)
