"""WHOOP as Tendon presents it: the registry's one line for it reads this."""

from connections.providers.catalog import ProviderSpec
from connections.providers.whoop import normalise, scopes, webhook
from connections.providers.whoop.client import WhoopClient
from connections.services.pacing import CallBudget

WHOOP = ProviderSpec(
    id="whoop",
    name="WHOOP",
    short_name="WHOOP",
    account_owner="WHOOP",
    client_class=WhoopClient,
    permissions=scopes.PERMISSIONS,
    feeds=scopes.FEEDS,
    feed_descriptions=scopes.FEED_DESCRIPTIONS,
    base_scopes=scopes.IDENTITY_SCOPES,
    colour="#1a1a1a",
    # Both old tokens die at the first refresh: the one token door refreshes once for all.
    refresh_tokens_rotate=True,
    # Reference: https://developer.whoop.com/docs/developing/rate-limiting (per application).
    app_call_budgets=(CallBudget(100, "minute"), CallBudget(10_000, "day")),
    max_concurrent_imports=4,
    # The daily summary writes the day's resting heart rate (from recovery) as well.
    feed_kinds={"daily": ("daily", "heart_rate")},
    webhook=webhook.read,
    daily_from_raw=normalise.daily_values,
)
