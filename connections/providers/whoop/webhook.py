"""WHOOP webhooks: signed POSTs naming a member and one record.

Reference: https://developer.whoop.com/docs/developing/webhooks. Configured per application in
WHOOP's Developer Dashboard (there is no API for it). A v2 body is {"user_id": int, "id": uuid,
"type": "workout.updated"|"sleep.deleted"|"recovery.updated"|..., "trace_id"}; a recovery event's
`id` is the UUID of the sleep the recovery belongs to. `X-WHOOP-Signature` is
base64(HMAC-SHA256(client secret, X-WHOOP-Signature-Timestamp + raw body)), the timestamp in
milliseconds since the epoch; WHOOP names no age limit: Tendon refuses one more than 5 minutes
from its clock. WHOOP wants a 2xx within a second, retries about five times over an hour, and
has no event for a member who removed Tendon: polling stays on as the reconciliation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from connections.providers.push import DELETE, UPSERT, Delivery, Hint, Inbound, refuse

MAX_SKEW = 300  # seconds
# Event type prefix -> the Tendon feed that reads it. Cycles and body measurements send none.
TYPE_FEEDS: dict[str, tuple[str, ...]] = {
    "workout": ("activities",),
    "sleep": ("sleep",),
    "recovery": ("daily",),
}
OPERATIONS = {"updated": UPSERT, "deleted": DELETE}


def _client_secret() -> str:
    """The WHOOP application's client secret (settings or the admin); "" when not set up."""
    # allauth's models cannot be imported while the registry (this module's importer) loads.
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.models import SocialApp

    try:
        return get_adapter().get_app(None, provider="whoop").secret or ""
    except SocialApp.DoesNotExist:
        return ""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """WHOOP's signature of a body: base64 HMAC-SHA256 over timestamp + body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def fresh(timestamp: str, *, now: float | None = None) -> bool:
    """Whether the timestamp (milliseconds since the epoch) is within 5 minutes of our clock."""
    try:
        seconds = float(timestamp) / 1000
    except ValueError:
        return False
    return abs((time.time() if now is None else now) - seconds) <= MAX_SKEW


def parse_event(payload: object) -> Hint:
    """The hint an event carries; ValueError if it is not the documented shape."""
    if not isinstance(payload, dict):
        raise ValueError("not an object")
    user_id, record_id, event = payload.get("user_id"), payload.get("id"), payload.get("type")
    if isinstance(user_id, bool) or not isinstance(user_id, int | str) or not str(user_id):
        raise ValueError("no user_id")
    if not isinstance(event, str) or "." not in event:
        raise ValueError("no type")
    kind, _, action = event.partition(".")
    return Hint(
        account_uid=str(user_id),
        feeds=TYPE_FEEDS.get(kind, ()),
        operation=OPERATIONS.get(action, UPSERT),
        data_type=event[:64],
        # A recovery's id is its sleep's: the stored sleep places the recovery's day in time.
        record_key=str(record_id) if isinstance(record_id, str | int) else "",
    )


def read(inbound: Inbound) -> Delivery:
    """The hint of a signed event; refusals change nothing."""
    if inbound.method != "POST":
        return Delivery(status=405, body=b"POST only.", extra_headers={"Allow": "POST"})
    secret = _client_secret()
    if not secret:
        return Delivery(status=404, body=b"Push is not set up here.")
    given = inbound.headers.get("X-WHOOP-Signature", "").strip()
    timestamp = inbound.headers.get("X-WHOOP-Signature-Timestamp", "").strip()
    if not given or not timestamp:
        return refuse(401, "no_signature")
    expected = signature(secret, timestamp, inbound.body)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return refuse(401, "bad_signature")
    if not fresh(timestamp):
        return refuse(401, "stale_timestamp")
    try:
        hint = parse_event(json.loads(inbound.body))
    except ValueError:  # includes broken JSON and UnicodeDecodeError
        return refuse(400, "bad_shape")
    return Delivery(status=204, hints=(hint,), verified=True)
