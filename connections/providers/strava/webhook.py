"""Strava webhook events: the GET verification handshake, and unsigned JSON POSTs.

Reference: https://developers.strava.com/docs/webhooks/ . The subscription is verified once, by
a GET with hub.mode=subscribe, hub.challenge and the verify_token Tendon chose
(STRAVA_WEBHOOK_VERIFY_TOKEN), answered {"hub.challenge": ...} within two seconds. Events carry
object_type (activity | athlete), object_id, aspect_type (create | update | delete), owner_id
(the athlete), subscription_id, event_time and `updates` (strings: "authorized": "false" when
the athlete revoked Tendon). Nothing is signed: every event is a hint that can only make work
happen earlier, limited per athlete; what is stored or deleted comes from Strava's API.
"""

from __future__ import annotations

import json

from django.conf import settings

from connections.providers.push import (
    DELETE,
    UNLINKED,
    UPSERT,
    Delivery,
    Hint,
    Inbound,
    refuse,
    same_secret,
    within_rate,
)

RATE_LIMIT = 30  # events per athlete ...
RATE_WINDOW = 60  # ... per this many seconds; beyond that they are dropped (and answered 200)
OK = b"OK"
MAX_ID = 2**63 - 1


def _handshake(inbound: Inbound, verify_token: str) -> Delivery:
    """Strava's subscription check: echo the challenge only to our own verify token."""
    query = inbound.query
    challenge = query.get("hub.challenge", "")
    if query.get("hub.mode") != "subscribe" or not challenge or len(challenge) > 255:
        return Delivery(status=400, body=b"Not a subscription check.")
    if not same_secret(query.get("hub.verify_token"), verify_token):
        return refuse(403, "wrong_verify_token")
    return Delivery(
        status=200,
        body=json.dumps({"hub.challenge": challenge}).encode(),
        content_type="application/json",
    )


def _id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValueError("not a Strava id")
    return value


def _hint(event: dict) -> Hint:
    """The hint one event carries; ValueError when it is not Strava's documented shape."""
    object_type, aspect = event.get("object_type"), event.get("aspect_type")
    owner, object_id = str(_id(event.get("owner_id"))), _id(event.get("object_id"))
    updates = event.get("updates") or {}
    if not isinstance(updates, dict) or aspect not in ("create", "update", "delete"):
        raise ValueError("unknown aspect or updates")
    if object_type == "athlete":
        revoked = str(updates.get("authorized", "")).lower() == "false"
        return Hint(
            account_uid=owner,
            feeds=(),
            operation=UNLINKED if revoked else UPSERT,
            data_type=f"athlete {aspect}{' deauthorized' if revoked else ''}",
        )
    if object_type != "activity":
        raise ValueError("unknown object_type")
    return Hint(
        account_uid=owner,
        feeds=("activities",),
        operation=DELETE if aspect == "delete" else UPSERT,
        data_type=f"activity {aspect}",
        record_key=str(object_id),
    )


def read(inbound: Inbound) -> Delivery:
    """The handshake; the hint an event carries (unverified); refusals change nothing."""
    verify_token = settings.STRAVA_WEBHOOK_VERIFY_TOKEN
    if not verify_token:
        return Delivery(status=404, body=b"Push is not set up here.")
    if inbound.method == "GET":
        return _handshake(inbound, verify_token)
    if inbound.method != "POST":
        return Delivery(status=405, body=b"GET or POST only.", extra_headers={"Allow": "GET, POST"})
    try:
        event = json.loads(inbound.body)
    except ValueError:  # includes UnicodeDecodeError
        return refuse(400, "not_json")
    if not isinstance(event, dict):
        return refuse(400, "bad_shape")
    try:
        hint = _hint(event)
        subscription = _id(event.get("subscription_id"))
    except (ValueError, TypeError):
        return refuse(400, "bad_shape")
    ours = settings.STRAVA_WEBHOOK_SUBSCRIPTION_ID
    if ours and str(subscription) != str(ours):
        return refuse(403, "wrong_subscription")
    if not within_rate(
        scope="strava", sender=hint.account_uid, limit=RATE_LIMIT, window=RATE_WINDOW
    ):
        return refuse(200, "rate_limited", "OK")  # a non-200 only makes Strava send it again
    return Delivery(status=200, body=OK, hints=(hint,), verified=False)
