"""Application-level housekeeping some providers need (ProviderSpec.upkeep), on a schedule.

Webhook subscriptions made for a whole application may carry an expiration time and stop
silently once it passes, or vanish at the provider; such a provider's upkeep renews them before
that and creates again those that are gone. Each upkeep talks HTTP only; this service gives it
the provider's API client and its push address, logs what each did, and never raises for a
provider's failure (the next run tries again, polling carries on meanwhile).
"""

from __future__ import annotations

import logging

from allauth.socialaccount.models import SocialApp

from connections.providers import PROVIDERS
from connections.providers.base import GrantRevoked, ProviderError
from connections.services.clients import provider_client
from connections.services.subscriptions import webhook_url

logger = logging.getLogger(__name__)


def providers_upkeep() -> dict[str, dict[str, int] | str]:
    """Runs the upkeep of every offered provider that has one; returns what each did, or why
    it did nothing ("not offered", or the provider's error)."""
    outcomes: dict[str, dict[str, int] | str] = {}
    for spec in PROVIDERS.values():
        if spec.upkeep is None:
            continue
        try:
            client = provider_client(provider_id=spec.id)
        except SocialApp.DoesNotExist:
            outcomes[spec.id] = "not offered"
            continue
        try:
            outcomes[spec.id] = spec.upkeep(client=client, webhook_url=webhook_url(spec.id))
        except (ProviderError, GrantRevoked) as error:
            logger.warning("Upkeep of %s failed: %s", spec.id, error)
            outcomes[spec.id] = f"failed: {error}"
        else:
            logger.info("Upkeep of %s: %s", spec.id, outcomes[spec.id])
    return outcomes
