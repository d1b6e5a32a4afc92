"""Oura webhook subscriptions: one per (event type, data type), for the whole application.

Reference: https://cloud.ouraring.com/v2/docs#tag/Webhook-Subscription-Routes. Calls carry the
application's `x-client-id` and `x-client-secret` headers, not a person's token. Creating one
makes Oura check the callback (GET ?verification_token=...&challenge=...) before it activates.
Every subscription has an `expiration_time` (its lifetime is not documented) and stops silently
once it passes: `upkeep` renews ours in time, from the "tendon: provider upkeep" schedule, and
creates again any that Oura no longer holds or refused to renew, so that push never stops unseen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables

from connections.providers.base import BadResponse, ProviderRefused, json_object, send

EVENT_TYPES = ("create", "update", "delete")
# The data types Tendon's feeds read (ExtApiV2DataType); heart rate has none: it stays polled.
DATA_TYPES = ("daily_activity", "daily_sleep", "daily_readiness", "sleep", "workout")
RENEW_WITHIN = timedelta(days=3)  # renew a subscription this long before it expires

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscription:
    id: str
    callback_url: str
    event_type: str
    data_type: str
    expiration_time: datetime | None

    @classmethod
    def read(cls, body: object) -> Subscription:
        """A WebhookSubscriptionModel; BadResponse if it is not one."""
        if not isinstance(body, dict):
            raise BadResponse("Oura sent a subscription that is not an object.")
        try:
            expires = body.get("expiration_time")
            return cls(
                id=str(body["id"]),
                callback_url=str(body["callback_url"]),
                event_type=str(body["event_type"]),
                data_type=str(body["data_type"]),
                expiration_time=_instant(expires) if expires else None,
            )
        except (KeyError, ValueError) as error:
            raise BadResponse(f"Oura sent a subscription we cannot read ({error!r}).") from error


def _instant(value: str) -> datetime:
    """An expiration_time. Oura's are UTC ("…Z"); one without a zone is read as UTC, so that
    comparing it with now never fails (the renewal would then never run)."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def wanted() -> list[tuple[str, str]]:
    """Every (event type, data type) Tendon subscribes to: Oura wants one subscription each."""
    return [(event, data) for data in DATA_TYPES for event in EVENT_TYPES]


class WebhookSubscriptions:
    """Oura's subscription routes, as a part of its API client (self.config, self.session)."""

    @method_decorator(sensitive_variables())
    def _app_call(self, method: str, path: str, *, json_body: dict | None = None):
        response = send(
            self.session,
            method,
            f"{self.config.api_url.rstrip('/')}/v2/webhook/subscription{path}",
            provider_name=self.name,
            headers={
                "x-client-id": self.config.client_id,
                "x-client-secret": self.config.client_secret,
            },
            json=json_body,
        )
        if response.status_code in (401, 403):
            # 403 is also Oura's answer for "Webhook with specified id does not exist."
            raise ProviderRefused(
                f"{self.name} refused the subscription request ({response.status_code}): "
                f"{response.text[:200]}"
            )
        if response.status_code not in (200, 201, 204):
            raise BadResponse(
                f"{self.name} answered {response.status_code} to a subscription request: "
                f"{response.text[:200]}"
            )
        return response

    def webhook_list(self) -> list[Subscription]:
        # Reference: https://cloud.ouraring.com/v2/docs#tag/Webhook-Subscription-Routes (list)
        response = self._app_call("GET", "")
        try:
            body = response.json()
        except ValueError as error:
            raise BadResponse(f"{self.name} sent a subscription list that is not JSON.") from error
        if not isinstance(body, list):
            raise BadResponse(f"{self.name} sent a subscription list that is not a list.")
        return [Subscription.read(item) for item in body]

    @method_decorator(sensitive_variables())
    def webhook_create(
        self, *, callback_url: str, verification_token: str, event_type: str, data_type: str
    ) -> Subscription:
        # Reference: https://cloud.ouraring.com/v2/docs#tag/Webhook-Subscription-Routes (create)
        response = self._app_call(
            "POST",
            "",
            json_body={
                "callback_url": callback_url,
                "verification_token": verification_token,
                "event_type": event_type,
                "data_type": data_type,
            },
        )
        return Subscription.read(json_object(response, provider_name=self.name))

    def webhook_renew(self, subscription_id: str) -> Subscription:
        # Reference: https://cloud.ouraring.com/v2/docs#tag/Webhook-Subscription-Routes (renew)
        response = self._app_call("PUT", f"/renew/{subscription_id}")
        return Subscription.read(json_object(response, provider_name=self.name))


def ensure(client, *, callback_url: str, verification_token: str) -> list[Subscription]:
    """Creates the subscriptions Tendon wants that Oura does not hold yet for callback_url;
    returns the new ones (none when all exist: safe to run again)."""
    held = {(s.event_type, s.data_type) for s in ours(client, callback_url=callback_url)}
    return [
        client.webhook_create(
            callback_url=callback_url,
            verification_token=verification_token,
            event_type=event,
            data_type=data,
        )
        for event, data in wanted()
        if (event, data) not in held
    ]


def ours(client, *, callback_url: str) -> list[Subscription]:
    return [s for s in client.webhook_list() if s.callback_url == callback_url]


def renew_due(
    client, *, held: list[Subscription], within: timedelta = RENEW_WITHIN, now=None
) -> tuple[list[Subscription], list[Subscription]]:
    """Renews those of `held` that expire within `within` (or give no expiry time); returns
    them as renewed, and those Oura refused to renew. Each is tried: one refusal (Oura answers
    403 for a subscription it no longer holds) must not leave the others to expire."""
    limit = (now or timezone.now()) + within
    renewed, refused = [], []
    for subscription in held:
        if subscription.expiration_time is not None and subscription.expiration_time > limit:
            continue
        try:
            renewed.append(client.webhook_renew(subscription.id))
        except (ProviderRefused, BadResponse) as error:
            logger.warning("Oura did not renew subscription %s: %s", subscription.id, error)
            refused.append(subscription)
    return renewed, refused


@sensitive_variables("verification_token")
def create_each(
    client, *, pairs: list[tuple[str, str]], callback_url: str, verification_token: str
) -> tuple[list[Subscription], int]:
    """Creates a subscription for each (event type, data type); returns the new ones and how
    many Oura refused. Each is tried: one refusal must not leave the others uncreated."""
    created, refused = [], 0
    for event, data in pairs:
        try:
            created.append(
                client.webhook_create(
                    callback_url=callback_url,
                    verification_token=verification_token,
                    event_type=event,
                    data_type=data,
                )
            )
        except (ProviderRefused, BadResponse) as error:
            logger.warning("Oura did not create the %s/%s subscription: %s", event, data, error)
            refused += 1
    return created, refused


def upkeep(*, client, webhook_url: str) -> dict[str, int]:
    """The schedule's part: renew ours that expire soon, then create again every wanted one
    that Oura does not hold or refused to renew. Counts for the log: "missing" is what had to
    be created ("created" plus "failed", those Oura refused; the next run tries them again)."""
    token = settings.OURA_WEBHOOK_VERIFICATION_TOKEN
    counts = dict.fromkeys(("held", "renewed", "refused", "missing", "created", "failed"), 0)
    if not token:  # push from Oura is not set up here
        return counts
    held = ours(client, callback_url=webhook_url)
    renewed, refused = renew_due(client, held=held)
    alive = {(s.event_type, s.data_type) for s in held if s not in refused}
    missing = [pair for pair in wanted() if pair not in alive]
    created, failed = create_each(
        client, pairs=missing, callback_url=webhook_url, verification_token=token
    )
    counts.update(
        held=len(held),
        renewed=len(renewed),
        refused=len(refused),
        missing=len(missing),
        created=len(created),
        failed=failed,
    )
    if missing:
        logger.info(
            "Oura push: created %d of %d missing subscription(s) for %s.",
            len(created),
            len(missing),
            webhook_url,
        )
    return counts
