"""Push subscriptions at providers that want one per connected account (Withings Notify).

Connecting or reconnecting marks the credential's subscription as due and enqueues it after
commit; it never blocks connecting. A failure is retried later with backoff: the due time lives
in the credential's row and a schedule sweeps what is due (rule 4: the queue is only a trigger).
Remove ends the subscriptions in the background, with the revocation of the grant
(connections/services/revocations.py), while the access token still works.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from connections.models import Credential
from connections.providers import PROVIDERS
from connections.providers.base import GrantRevoked, ProviderError
from connections.services.budgets import run_time_budget
from connections.services.clients import provider_client

logger = logging.getLogger(__name__)

SUBSCRIBE_TASK = "connections.tasks.sync_push_subscription"
RETRY_BASE = timedelta(minutes=10)
RETRY_CAP = timedelta(days=1)
BATCH = 100


def webhook_url(provider_id: str) -> str:
    """The address a provider pushes to: SITE_URL + /webhooks/<provider>/."""
    return settings.SITE_URL + reverse("provider_webhook", args=[provider_id])


def push_subscription_request(*, credential: Credential) -> bool:
    """Marks credential's push subscription as due and enqueues it after commit; False when
    its provider needs no per-account subscription."""
    spec = PROVIDERS.get(credential.provider)
    if spec is None or not spec.push_subscriptions:
        return False
    Credential.objects.filter(pk=credential.pk).update(
        push_sync_due_at=timezone.now(), push_sync_attempts=0, push_sync_error=""
    )
    credential_id = credential.pk
    transaction.on_commit(lambda: _enqueue(credential_id))
    return True


def _enqueue(credential_id: int) -> None:
    from django_q.tasks import async_task

    async_task(SUBSCRIBE_TASK, credential_id, group="push")


def credential_push_subscribe(*, credential_id: int) -> bool:
    """Subscribes the account to the notifications its enabled feeds need; True if it did.

    Never raises for a provider's failure: the attempt is counted and retried later.
    """
    from connections.services.tokens import NeedsReauthorization, credential_get_access_token

    credential = Credential.objects.filter(pk=credential_id).first()
    if (
        credential is None
        or credential.status != Credential.Status.ACTIVE
        or credential.push_sync_due_at is None
    ):
        return False  # removed, flagged (reconnecting asks again) or done already
    feeds = sorted(set(credential.connections.filter(enabled=True).values_list("feed", flat=True)))
    try:
        access_token = credential_get_access_token(credential=credential)
        applis = provider_client(provider_id=credential.provider).push_subscribe(
            access_token=access_token, callback_url=webhook_url(credential.provider), feeds=feeds
        )
    except NeedsReauthorization:
        Credential.objects.filter(pk=credential.pk).update(push_sync_due_at=None)
        return False
    except (ProviderError, GrantRevoked) as error:
        attempts = credential.push_sync_attempts + 1
        delay = min(RETRY_CAP, RETRY_BASE * 2 ** (attempts - 1))
        delay *= random.uniform(0.8, 1.2)  # noqa: S311 - spreading retries, not crypto
        Credential.objects.filter(pk=credential.pk).update(
            push_sync_attempts=attempts,
            push_sync_due_at=timezone.now() + delay,
            push_sync_error=str(error)[:500],
        )
        logger.warning("Push subscription of credential %s failed: %s", credential.pk, error)
        return False
    Credential.objects.filter(pk=credential.pk).update(
        push_subscribed=applis, push_sync_due_at=None, push_sync_attempts=0, push_sync_error=""
    )
    return True


def push_subscriptions_sync_due(*, now: datetime | None = None) -> int:
    """Subscribes the credentials whose subscription is due (retries, lost tasks), while the
    task's time budget lasts; returns how many succeeded."""
    now = now or timezone.now()
    due = Credential.objects.filter(
        status=Credential.Status.ACTIVE, push_sync_due_at__lte=now
    ).values_list("pk", flat=True)[:BATCH]
    # One slow provider after another must not outlive Q_TIMEOUT: what is left stays due.
    deadline = time.monotonic() + run_time_budget()
    subscribed = 0
    for pk in list(due):
        if time.monotonic() > deadline:
            break
        subscribed += credential_push_subscribe(credential_id=pk)
    return subscribed
