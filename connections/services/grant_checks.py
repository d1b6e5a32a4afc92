"""Checking a grant after a notice that the person unlinked Tendon at the provider (Withings'
appli 46, Strava's deauthorization event).

Such notices are unsigned: anyone could send one. So a notice never flags a grant itself
(DESIGN.md rule 5: an unverifiable push may only make work happen earlier); it makes Tendon
refresh the grant, and only the provider's refusal flags it, through the one token door.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import transaction
from django_q.models import Schedule

from connections.models import Credential

logger = logging.getLogger(__name__)

GRANT_CHECK_TASK = "connections.tasks.check_grant"
GRANT_CHECK_COOLDOWN = 300  # seconds: one grant check per account at most this often


def credential_grant_check_soon(
    *, provider_id: str, account_uid: str
) -> tuple[str, int | None] | None:
    """Arranges a check of the account's active grant; returns what it arranged ('grant_check':
    now; 'grant_check_later': when the cooldown ends; 'coalesced': one is due already) and one
    of the grant's connections, for the push log; None when no active grant has that account.

    One check per account at once, then none for GRANT_CHECK_COOLDOWN seconds, however many
    notices come. A notice inside that cooldown is not dropped: an earlier one may have been
    forged, this one real. It leaves one more check for when the cooldown ends (a schedule row,
    so a worker that is down then runs it when it is back)."""
    credential = (
        Credential.objects.filter(
            provider=provider_id, account_uid=account_uid, status=Credential.Status.ACTIVE
        )
        .only("pk")
        .first()
    )
    if credential is None:
        return None
    connection_id = credential.connections.values_list("pk", flat=True).first()
    key = f"tendon:grant-check:{credential.pk}"
    ends = time.time() + GRANT_CHECK_COOLDOWN
    if cache.add(key, ends, timeout=GRANT_CHECK_COOLDOWN):
        transaction.on_commit(lambda: _enqueue_grant_check(credential.pk))
        return "grant_check", connection_id
    ends = cache.get(key) or ends
    _, scheduled = Schedule.objects.get_or_create(
        name=f"tendon: check grant {credential.pk} after an unlink notice",
        defaults={
            "func": GRANT_CHECK_TASK,
            "args": repr((credential.pk,)),
            "schedule_type": Schedule.ONCE,
            "repeats": -1,  # django-q2 deletes it once it has run
            "next_run": datetime.fromtimestamp(ends, tz=UTC),
        },
    )
    return ("grant_check_later" if scheduled else "coalesced"), connection_id


def _enqueue_grant_check(credential_id: int) -> None:
    from django_q.tasks import async_task

    async_task(GRANT_CHECK_TASK, credential_id, group="push")


def credential_check_grant(*, credential_id: int) -> str:
    """Refreshes the grant to learn whether the provider still honours it: 'ok', 'flagged'
    (the one token door flagged it and told the person), 'unknown' (provider failing) or
    'gone' (not an active grant any more)."""
    from connections.providers.base import ProviderError
    from connections.services.tokens import NeedsReauthorization, credential_get_access_token

    credential = Credential.objects.filter(
        pk=credential_id, status=Credential.Status.ACTIVE
    ).first()
    if credential is None:
        return "gone"
    try:
        credential_get_access_token(credential=credential, force_refresh=True)
    except NeedsReauthorization:
        return "flagged"
    except ProviderError as error:
        logger.warning(
            "Checking credential %s after an unlink notice failed: %s", credential_id, error
        )
        return "unknown"
    return "ok"
