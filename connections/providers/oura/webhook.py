"""Oura webhooks: the verification handshake and signed event notifications.

Reference: https://cloud.ouraring.com/v2/docs#tag/Webhook-Subscription-Routes. Creating a
subscription makes Oura GET the callback with `verification_token` and `challenge`; the answer
must be {"challenge": ...} (only when the token is ours). Events are POSTs of
{"event_type": create|update|delete, "data_type", "object_id", "event_time", "user_id"} with
`x-oura-signature`, the hex HMAC-SHA256 (Oura sends it upper case) keyed with the client secret
over `x-oura-timestamp` + the body. Oura's sample re-serialises the parsed body; Tendon signs
the raw bytes, which is the same for the compact JSON Oura sends. Oura says nothing about the
timestamp's unit or age: seconds or milliseconds since the epoch are both read, and one more
than 5 minutes from our clock is refused. A 410 answer would cancel the subscription: never
sent here. Oura retries other failures for about an hour.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.conf import settings

from connections.providers.push import DELETE, UPSERT, Delivery, Hint, Inbound, refuse, same_secret

MAX_SKEW = 300  # seconds between Oura's timestamp and our clock
# Which Tendon feed reads each data type (ExtApiV2DataType); others are answered and ignored.
DATA_TYPE_FEEDS: dict[str, tuple[str, ...]] = {
    "daily_activity": ("daily",),
    "daily_sleep": ("daily",),
    "daily_readiness": ("daily",),
    "sleep": ("sleep",),
    "workout": ("activities",),
}
OPERATIONS = {"create": UPSERT, "update": UPSERT, "delete": DELETE}


def _client_secret() -> str:
    """The Oura application's client secret (settings or the admin); "" when not set up."""
    # allauth's models cannot be imported while the registry (this module's importer) loads.
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.models import SocialApp

    try:
        return get_adapter().get_app(None, provider="oura").secret or ""
    except SocialApp.DoesNotExist:
        return ""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Oura's signature of a body: upper-case hex HMAC-SHA256 over timestamp + body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256)
    return digest.hexdigest().upper()


def fresh(timestamp: str, *, now: float | None = None) -> bool:
    """Whether the timestamp (seconds, or milliseconds, since the epoch) is within 5 minutes."""
    try:
        value = float(timestamp)
    except ValueError:
        return False
    seconds = value / 1000 if value > 10**11 else value  # 10**11 s is the year 5138
    return abs((time.time() if now is None else now) - seconds) <= MAX_SKEW


def _handshake(inbound: Inbound) -> Delivery:
    expected = settings.OURA_WEBHOOK_VERIFICATION_TOKEN
    if not expected:
        return Delivery(status=404, body=b"Push is not set up here.")
    challenge = inbound.query.get("challenge", "")
    if not same_secret(inbound.query.get("verification_token"), expected) or not challenge:
        return Delivery(status=401, body=b"Unauthorized")
    return Delivery(
        status=200,
        body=json.dumps({"challenge": challenge}).encode(),
        content_type="application/json",
    )


def parse_event(payload: object) -> Hint:
    """The hint an event carries; ValueError if it is not the documented shape."""
    if not isinstance(payload, dict):
        raise ValueError("not an object")
    operation = OPERATIONS.get(str(payload.get("event_type")))
    data_type, object_id, user_id = (
        payload.get("data_type"),
        payload.get("object_id"),
        payload.get("user_id"),
    )
    if operation is None or not all(isinstance(v, str) and v for v in (data_type, user_id)):
        raise ValueError("no event_type, data_type or user_id")
    return Hint(
        account_uid=user_id,
        feeds=DATA_TYPE_FEEDS.get(data_type, ()),
        operation=operation,
        data_type=data_type[:64],
        record_key=object_id if isinstance(object_id, str) else "",
    )


def read(inbound: Inbound) -> Delivery:
    """The challenge for Oura's check; the hint of a signed event; refusals change nothing."""
    if inbound.method == "GET":
        return _handshake(inbound)
    if inbound.method != "POST":
        return Delivery(status=405, body=b"GET or POST only.", extra_headers={"Allow": "GET, POST"})
    secret = _client_secret()
    if not secret:
        return Delivery(status=404, body=b"Push is not set up here.")
    given = inbound.headers.get("x-oura-signature", "").strip()
    timestamp = inbound.headers.get("x-oura-timestamp", "").strip()
    if not given or not timestamp:
        return refuse(401, "no_signature")
    expected = signature(secret, timestamp, inbound.body)
    if not hmac.compare_digest(given.upper().encode(), expected.encode()):
        return refuse(401, "bad_signature")
    if not fresh(timestamp):
        return refuse(401, "stale_timestamp")
    try:
        hint = parse_event(json.loads(inbound.body))
    except ValueError:  # includes broken JSON and UnicodeDecodeError
        return refuse(400, "bad_shape")
    return Delivery(status=200, body=b"OK", hints=(hint,), verified=True)
