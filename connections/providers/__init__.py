"""The one registry of providers. Views, services, tasks, admin and templates all read it.

Adding a provider: a new package beside these, and one line here.
"""

from datetime import timedelta

from django.conf import settings

from connections.providers.base import ProviderNotOffered
from connections.providers.catalog import ProviderSpec, unavailable_spec
from connections.providers.demo import webhook as demo_webhook
from connections.providers.demo.client import DemoClient
from connections.providers.google_health import scopes as google_scopes
from connections.providers.google_health import webhook as google_webhook
from connections.providers.google_health.client import GoogleHealthClient
from connections.providers.oura.spec import OURA
from connections.providers.polar.spec import SPEC as POLAR
from connections.providers.strava.spec import SPEC as STRAVA
from connections.providers.whoop.spec import WHOOP
from connections.providers.withings import scopes as withings_scopes
from connections.providers.withings import webhook as withings_webhook
from connections.providers.withings.client import WithingsClient

GOOGLE_HEALTH = ProviderSpec(
    id="google_health",
    name="Fitbit & Pixel Watch (Google Health)",
    short_name="Fitbit & Pixel Watch",
    account_owner="Google",
    client_class=GoogleHealthClient,
    permissions=google_scopes.PERMISSIONS,
    feeds=google_scopes.FEEDS,
    feed_descriptions=google_scopes.FEED_DESCRIPTIONS,
    base_scopes=google_scopes.IDENTITY_SCOPES,
    colour="#1a73e8",
    refresh_tokens_rotate=False,
    incremental_authorization=True,
    # Offline access for a refresh token; incremental authorization so adding a feed asks only
    # for its scope. Reference: https://developers.google.com/identity/protocols/oauth2/web-server
    extra_auth_params={"access_type": "offline", "include_granted_scopes": "true"},
    consent_param=("prompt", "consent"),
    webhook=google_webhook.read,
)

WITHINGS = ProviderSpec(
    id="withings",
    name="Withings",
    short_name="Withings",
    account_owner="Withings",
    client_class=WithingsClient,
    permissions=withings_scopes.PERMISSIONS,
    feeds=withings_scopes.FEEDS,
    feed_descriptions=withings_scopes.FEED_DESCRIPTIONS,
    base_scopes=withings_scopes.IDENTITY_SCOPES,
    scope_delimiter=",",
    colour="#00a6a6",
    # Withings allows 120 requests a minute per application: keep well under it.
    max_concurrent_imports=10,
    webhook=withings_webhook.read,
    push_subscriptions=True,
)

DEMO = ProviderSpec(
    id="demo",
    name="Demo Health",
    short_name="Demo Health",
    account_owner="Demo Health",
    client_class=DemoClient,
    permissions=google_scopes.PERMISSIONS,
    feeds=google_scopes.FEEDS,
    feed_descriptions=google_scopes.FEED_DESCRIPTIONS,
    colour="#8e44ad",
    # As Google does: adding a feed asks only for its permission, and the grant keeps the rest.
    incremental_authorization=True,
    extra_auth_params={"include_granted_scopes": "true"},
    # The demo plays a provider with a per-user hourly budget, as the legacy Fitbit API had.
    user_call_budget=(150, timedelta(hours=1)),
    history_days=365,  # the sandbox makes up one year of data
    webhook=demo_webhook.read,
)

PROVIDERS: dict[str, ProviderSpec] = {
    spec.id: spec
    for spec in (GOOGLE_HEALTH, WITHINGS, OURA, WHOOP, POLAR, STRAVA, DEMO)
    if spec is not DEMO or settings.SANDBOX_ENABLED
}


def spec_for(provider_id: str) -> ProviderSpec:
    """The provider's spec, or a stand-in that can only be shown, disabled and removed."""
    return PROVIDERS.get(provider_id) or unavailable_spec(provider_id)


def offered_spec(provider_id: str) -> ProviderSpec:
    """The provider's spec; ProviderNotOffered when it has left the registry."""
    spec = PROVIDERS.get(provider_id)
    if spec is None:
        name = unavailable_spec(provider_id).short_name
        raise ProviderNotOffered(f"{name} is not available on this Tendon.")
    return spec


__all__ = ["PROVIDERS", "ProviderSpec", "offered_spec", "spec_for"]
