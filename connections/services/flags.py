"""Marking a grant as needing the person, in words that say honestly whose doing it was."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from connections.models import ConnectionEvent, Credential
from connections.providers import PROVIDERS

logger = logging.getLogger(__name__)

Cause = Credential.FlagCause


def flag_message(*, credential: Credential, cause: str, note: str) -> str:
    """What the person reads about why they must reconnect (timeline, page, e-mail)."""
    spec = PROVIDERS.get(credential.provider)
    name = spec.short_name if spec else credential.provider
    owner = spec.account_owner if spec else name
    if cause in (Cause.SUPPORT, Cause.SUPPORT_RESET):
        what = "reset this connection and asked" if cause == Cause.SUPPORT_RESET else "asked"
        because = f": {note.rstrip('.')}." if note else "."
        return f"Our support team {what} you to reconnect {name}{because}"
    if cause == Cause.RETIRED:
        return (
            f"{owner} has retired the service Tendon used to import {name} data "
            "(it answers \u201cgone\u201d)."
        )
    if cause == Cause.PERSON and note:
        return note  # the provider's condition, in the provider package's words
    if cause == Cause.LOST:
        return (
            f"We lost access to {name} while renewing it (nothing you did caused this); "
            "please reconnect."
        )
    if owner == name:  # "Withings stopped accepting Tendon's access", said once
        return f"{name} stopped accepting Tendon's access."
    return f"{owner} stopped accepting Tendon's access to {name}."


def credential_flag(
    *,
    credential: Credential,
    reason: str,
    actor=None,
    cause: str = Cause.PROVIDER,
    note: str = "",
) -> bool:
    """Marks the credential as needing re-authorization; True if it was not flagged before.

    reason is the detail for support; the person reads flag_message(). Its connections stop
    importing; the user is e-mailed (after commit) once per incident, and again when support
    asks, and sees a banner until they reconnect.
    """
    from accounts.services.notifications import notify_reconnect_needed

    with transaction.atomic():
        locked = Credential.objects.select_for_update().select_related("user").get(pk=credential.pk)
        by_support = cause in (Cause.SUPPORT, Cause.SUPPORT_RESET)
        reset = cause == Cause.SUPPORT_RESET
        already = locked.status == Credential.Status.NEEDS_REAUTH
        if already and not by_support:
            return False
        if already and not reset and (locked.flag_cause, locked.flag_note) == (cause, note[:500]):
            return False  # the same request twice (a double click): one e-mail is enough
        newly = locked.status != Credential.Status.NEEDS_REAUTH
        locked.status = Credential.Status.NEEDS_REAUTH
        locked.status_changed_at = timezone.now()
        locked.flag_cause = cause
        locked.flag_note = note[:500]
        if by_support:
            locked.notified_at = None  # support's request is news to the person: tell them
        locked.save(
            update_fields=[
                "status",
                "status_changed_at",
                "flag_cause",
                "flag_note",
                "notified_at",
                "updated_at",
            ]
        )
        told = " We e-mailed you." if locked.user.notify_by_email else ""
        message = flag_message(credential=locked, cause=cause, note=note) + told
        kind = ConnectionEvent.Kind.RESET if reset else ConnectionEvent.Kind.FLAGGED
        from connections.services.events import event_record

        for connection in locked.connections.all():
            event_record(
                connection=connection,
                kind=kind,
                actor=actor,
                message=message,
                detail=reason[:2000],
            )
        transaction.on_commit(lambda: notify_reconnect_needed(credential_id=locked.pk))
    logger.info("Credential %s flagged for re-authorization (%s)", credential.pk, cause)
    return newly
