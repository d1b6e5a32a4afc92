"""'What to do' texts for the connection page, keyed by the status a person sees (UX.md)."""

from __future__ import annotations

from django.utils import timezone

from connections.models import Connection
from connections.providers.catalog import ProviderSpec
from connections.selectors import Status


def what_to_do(
    *, spec: ProviderSpec, connection: Connection, status: Status, imported: int = 0
) -> str:
    """The advice for the connection's current state; "" when there is nothing to do."""
    name, owner = spec.short_name, spec.account_owner
    if status.code == "needs_reauth":
        return (
            f"{name} no longer accepts our access. This happens if you removed Tendon in your "
            f"{owner} account, changed your password, or the grant expired. Click Reconnect and "
            "allow access again; importing continues from where it stopped."
        )
    if status.code == "permission_missing":
        what = ", ".join(p.label.lower() for p in status.missing)
        # The line under the pill already says what was not allowed: say only the way out.
        return (
            f"\u201cAllow {what} data\u201d asks {owner} for that permission only; your other "
            "feeds keep importing."
        )
    if status.code == "paused" and connection.paused_until:
        resume = timezone.localtime(connection.paused_until)
        return f"{owner} asked us to slow down. Importing resumes at {resume:%H:%M}."
    if status.code == "error" or connection.failing_since:
        retry = timezone.localtime(connection.next_run_at) if connection.next_run_at else None
        when = f" (next try at {retry:%H:%M})" if retry and retry > timezone.now() else ""
        if connection.last_error_code == "account_inactive":
            return (
                f"{owner} told us the membership on this {name} account is not active, so "
                f"{owner} shares none of its data with apps for now. Your connection is fine and "
                "nothing imported is lost: once the membership is renewed, importing resumes on "
                f"its own{when}."
            )
        if connection.last_error_code == "internal_error":
            return (
                f"Something went wrong on Tendon's side, not at {name} and not with your "
                f"account. Our team can see it; we retry automatically{when}. Nothing for you "
                "to do."
            )
        if connection.last_error_code == "bad_response":
            return (
                f"{name} answered with something we could not read, so nothing was stored. "
                f"We retry automatically{when}; nothing for you to do."
            )
        return f"{name} is not answering. We retry automatically{when}; nothing for you to do."
    if status.code == "disabled":
        return "This feed is switched off. Enable it to import again; nothing was lost."
    if status.code == "removed":  # the line under the pill already says the data is kept
        if not spec.available:
            return f"This Tendon no longer offers {name}, so it cannot be enabled again here."
        return (
            f"To import again, enable {name} with the same account: importing continues from "
            "where it stopped."
        )
    if connection.last_success_at is not None and not imported:
        # Only once an import has run and found nothing: before that, the page shows it queued.
        note = f" {spec.history_note}" if spec.history_note else ""
        return (
            f"Connected, but nothing to import yet. Open the {name} app and sync your device.{note}"
        )
    return ""
