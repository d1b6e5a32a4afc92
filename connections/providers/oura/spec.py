"""Oura as Tendon presents it: the registry's one line for it reads this."""

from connections.providers.catalog import ProviderSpec
from connections.providers.oura import normalise, scopes, subscriptions, webhook
from connections.providers.oura.client import OuraClient
from connections.services.pacing import CallBudget

OURA = ProviderSpec(
    id="oura",
    name="Oura",
    short_name="Oura",
    account_owner="Oura",
    client_class=OuraClient,
    permissions=scopes.PERMISSIONS,
    feeds=scopes.FEEDS,
    feed_descriptions=scopes.FEED_DESCRIPTIONS,
    base_scopes=scopes.IDENTITY_SCOPES,
    colour="#2f4a73",
    # Every refresh returns a new refresh token and kills the old one ("single-use").
    refresh_tokens_rotate=True,
    max_concurrent_imports=10,
    # "5000 requests per 5-minute period" (Oura's FAQ), per token or per application: it does
    # not say, so Tendon paces the whole application at a fifth of it each minute.
    app_call_budgets=(CallBudget(1000, "minute"),),
    webhook=webhook.read,
    daily_from_raw=normalise.daily_values,
    upkeep=subscriptions.upkeep,
)
