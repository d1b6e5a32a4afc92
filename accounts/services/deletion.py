"""Deleting a person's account: the one thing that does delete imported data."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def user_delete(*, user) -> list[bool | None]:
    """Deletes the user and all their data at once, then asks each provider to revoke its grant
    (within a bounded time; what is not confirmed is retried in the background).

    Returns, per grant, True (revoked), None (asked again later) or False (gave up). Never
    raises for a provider failure and never waits long on one.
    """
    from connections.models import Credential
    from connections.services.revocations import revocation_queue, revocations_attempt_inline

    user_id, email = user.pk, user.email
    with transaction.atomic():
        live = Credential.objects.filter(user=user).exclude(status=Credential.Status.REVOKED)
        revocations = [revocation_queue(credential=c, reason="account_deleted") for c in live]
        user.delete()  # credentials, connections, history and records go with it (CASCADE)
    results = revocations_attempt_inline([r for r in revocations if r is not None])
    logger.info("Deleted user %s and their data; revocations: %s", user_id, results)
    _confirm_deletion(email)
    return results


def _confirm_deletion(email: str) -> None:
    context = {"site_url": settings.SITE_URL}
    send_mail(
        subject="Your Tendon account is deleted",
        message=render_to_string("email/account_deleted.txt", context),
        from_email=None,
        recipient_list=[email],
        fail_silently=True,  # the account is gone either way; a mail server hiccup changes nothing
    )
