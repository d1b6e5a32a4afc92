"""Polar AccessLink v3 as Tendon presents it (its line in the registry:
connections/providers/__init__.py)."""

from connections.providers.catalog import ProviderSpec
from connections.providers.polar import scopes, webhook
from connections.providers.polar.client import PolarClient
from connections.services.pacing import CallBudget

SPEC = ProviderSpec(
    id="polar",
    name="Polar",
    short_name="Polar",
    account_owner="Polar",
    client_class=PolarClient,
    permissions=scopes.PERMISSIONS,
    feeds=scopes.FEEDS,
    feed_descriptions=scopes.FEED_DESCRIPTIONS,
    colour="#d10027",
    # One long-lived access token (about a year), no refresh token.
    # Reference: https://www.polar.com/accesslink-api/#token-endpoint
    refresh_tokens_issued=False,
    history_note=scopes.HISTORY_NOTE,
    history_days=365,  # daily activity reaches 365 days back; the lists 28-30 days
    # Per 15 minutes 500 + 20 per user, per day 5,000 + 100 per user, for the whole application.
    # Polar's windows roll from their first request; clock windows approximate them, and the
    # RateLimit-* headers (read as an app-wide budget) have the last word.
    # Reference: https://www.polar.com/accesslink-api/#rate-limiting
    app_call_budgets=(
        CallBudget(500, "quarter_hour", per_user=20),
        CallBudget(5000, "day", per_user=100),
    ),
    webhook=webhook.read,
)
