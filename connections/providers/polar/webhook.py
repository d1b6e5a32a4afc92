"""Polar AccessLink webhooks: HMAC-signed JSON POSTs, and the PING that creates the webhook.

Reference: https://www.polar.com/accesslink-api/#webhooks. Every delivery carries
`Polar-Webhook-Event` and `Polar-Webhook-Signature`: hex HMAC-SHA256 of the raw body with the
`signature_secret_key` Polar shows once, when the webhook is created (POLAR_WEBHOOK_SECRET).
Polar pings the URL while creating the webhook, before it hands out that key: so a PING, and
only a PING (it carries no data and changes nothing), is answered 200 unverified. Every data
event needs the valid signature. Payloads name a user and a date (or an exercise); they are
hints, and the import reads the data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta

from django.conf import settings

from connections.providers.push import Delivery, Hint, Inbound, refuse

# Which Tendon feeds read the data each event announces. Nightly Recharge has no event of its
# own: a new night's SLEEP event is its only hint.
EVENT_FEEDS: dict[str, tuple[str, ...]] = {
    "EXERCISE": ("activities",),
    "SLEEP": ("sleep", "heart_rate"),
    "ACTIVITY_SUMMARY": ("daily",),
    "PHYSICAL_INFORMATION": ("body",),
    "CONTINUOUS_HEART_RATE": (),
    "SLEEP_WISE_CIRCADIAN_BEDTIME": (),
    "SLEEP_WISE_ALERTNESS": (),
}
SIGNATURE_HEADER = "Polar-Webhook-Signature"
OK = b"OK"


def signature(body: bytes, secret: str) -> str:
    """Polar's signature of a body: lower-case hex HMAC-SHA256 with the webhook's secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signed(inbound: Inbound, secret: str) -> bool:
    given = (inbound.headers.get(SIGNATURE_HEADER) or "").strip().lower()
    return bool(given) and hmac.compare_digest(
        given.encode(), signature(inbound.body, secret).encode()
    )


def _hint(payload: dict) -> Hint:
    """The hint one event carries; ValueError when it is not Polar's documented shape."""
    event, user_id = payload.get("event"), payload.get("user_id")
    if not isinstance(event, str) or isinstance(user_id, bool) or not isinstance(user_id, int):
        raise ValueError("an event without event or user_id")
    start = end = None
    if payload.get("date") is not None:
        day = date.fromisoformat(str(payload["date"]))
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        end = start + timedelta(days=1)
    return Hint(
        account_uid=str(user_id),
        feeds=EVENT_FEEDS.get(event, ()),
        start=start,
        end=end,
        data_type=event[:64],
    )


def read(inbound: Inbound) -> Delivery:
    """200 for Polar's PING; the hint a signed event carries; refusals change nothing."""
    if inbound.method != "POST":
        return Delivery(status=405, body=b"POST only.", extra_headers={"Allow": "POST"})
    try:
        payload = json.loads(inbound.body)
    except ValueError:  # includes UnicodeDecodeError
        payload = None
    if (
        isinstance(payload, dict)
        and payload.get("event") == "PING"
        and set(payload)
        <= {
            "event",
            "timestamp",
        }
    ):
        return Delivery(status=200, body=OK)  # creating the webhook: no secret exists yet
    secret = settings.POLAR_WEBHOOK_SECRET
    if not secret:
        return Delivery(status=404, body=b"Push is not set up here.")
    if not inbound.headers.get(SIGNATURE_HEADER):
        return refuse(401, "no_signature")
    if not _signed(inbound, secret):
        return refuse(401, "bad_signature")
    if not isinstance(payload, dict):
        return refuse(400, "not_json" if payload is None else "bad_shape")
    try:
        hint = _hint(payload)
    except (ValueError, TypeError):
        return refuse(400, "bad_shape")
    return Delivery(status=200, body=OK, hints=(hint,), verified=True)
