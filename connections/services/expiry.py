"""Telling people ahead of time that a grant Tendon cannot renew is about to end.

Some providers issue no refresh token (Polar: one access token for about a year). Only the
person can renew such a grant, by reconnecting. So, once per grant and a fortnight before its
access token expires, they get an e-mail, a line on the connection's timeline and a notice on
every page until they reconnect. Nothing else changes: the token is used until the provider
itself refuses it (the token door then flags the grant like any dead one).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from connections.messages import access_ending
from connections.models import ConnectionEvent, Credential
from connections.providers import PROVIDERS
from connections.services.events import event_record
from connections.services.tokens import providers_without_refresh_tokens

logger = logging.getLogger(__name__)

EXPIRY_NOTICE = timedelta(days=14)
BATCH = 500


def credentials_warn_expiring(*, within: timedelta = EXPIRY_NOTICE) -> int:
    """Tells each person whose unrenewable grant expires within `within` (once per grant);
    returns how many grants were newly announced."""
    due = Credential.objects.filter(
        status=Credential.Status.ACTIVE,
        provider__in=providers_without_refresh_tokens(),
        expires_at__isnull=False,
        expires_at__lte=timezone.now() + within,
        expiry_notified_at__isnull=True,
    ).values_list("pk", flat=True)[:BATCH]
    return sum(_announce(credential_id=pk) for pk in list(due))


def _announce(*, credential_id: int) -> bool:
    from accounts.services.notifications import notify_access_ending

    with transaction.atomic():
        locked = (
            Credential.objects.select_for_update()
            .filter(pk=credential_id, status=Credential.Status.ACTIVE)
            .filter(expiry_notified_at__isnull=True)
            .first()
        )
        if locked is None or locked.expires_at is None:
            return False  # reconnected, flagged or removed meanwhile, or told already
        locked.expiry_notified_at = timezone.now()
        locked.save(update_fields=["expiry_notified_at", "updated_at"])
        message = access_ending(PROVIDERS[locked.provider], ends=locked.expires_at)
        for connection in locked.connections.all():
            event_record(
                connection=connection, kind=ConnectionEvent.Kind.ACCESS_ENDING, message=message
            )
        transaction.on_commit(lambda: notify_access_ending(credential_id=credential_id))
    logger.info("Credential %s: told the person its access ends soon", credential_id)
    return True
