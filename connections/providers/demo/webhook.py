"""The demo provider pushes the Google way (signed with its own key, see sandbox/push.py)."""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

from connections.providers.google_health.webhook import signed_reader


def demo_authorization() -> str:
    """The Authorization header the sandbox sends: derived from SECRET_KEY, so both sides of
    this one portal know it and no secret is written down."""
    return "Bearer " + salted_hmac("tendon.demo-webhook", "authorization").hexdigest()


def demo_keyset_url() -> str:
    """Where the demo provider serves its public keyset (under /sandbox/)."""
    return settings.PROVIDER_ENDPOINTS["demo"]["api_url"].rstrip("/") + "/webhooks/keyset.json"


read = signed_reader(
    provider_name="Demo Health", authorization=demo_authorization, keyset_url=demo_keyset_url
)
