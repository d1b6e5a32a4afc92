"""Deleting a person's account: the one thing that does delete imported data."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def user_delete(*, user) -> int:
    """Revokes every live grant at its provider, then deletes the user and all their data.

    Returns how many grants the providers confirmed revoked. Never raises for a provider failure:
    the tokens are deleted with the account either way.
    """
    from connections.models import Credential
    from connections.services.credentials import revoke_at_provider

    live = Credential.objects.filter(user=user).exclude(status=Credential.Status.REVOKED)
    revoked = sum(revoke_at_provider(credential) for credential in live)
    user_id = user.pk
    with transaction.atomic():
        user.delete()  # credentials, connections, history and records go with it (CASCADE)
    logger.info("Deleted user %s and their data; %s grant(s) revoked", user_id, revoked)
    return revoked
