"""Strava API v3 as Tendon presents it (its line in the registry:
connections/providers/__init__.py)."""

from connections.providers.catalog import ProviderSpec
from connections.providers.strava import scopes, webhook
from connections.providers.strava.client import StravaClient
from connections.services.pacing import CallBudget

SPEC = ProviderSpec(
    id="strava",
    name="Strava",
    short_name="Strava",
    account_owner="Strava",
    client_class=StravaClient,
    permissions=scopes.PERMISSIONS,
    feeds=scopes.FEEDS,
    feed_descriptions=scopes.FEED_DESCRIPTIONS,
    base_scopes=scopes.IDENTITY_SCOPES,
    scope_delimiter=",",
    colour="#fc4c02",
    # Read requests per application: 100 a quarter hour (:00, :15, :30, :45), 1,000 a UTC day
    # (a new app's defaults; the X-RateLimit-* headers say the real ones).
    # Reference: https://developers.strava.com/docs/rate-limits/
    app_call_budgets=(CallBudget(100, "quarter_hour"), CallBudget(1000, "day")),
    max_concurrent_imports=5,
    webhook=webhook.read,
    records_by_key=("activities",),
)
