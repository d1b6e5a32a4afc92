"""Google Health API webhooks: the subscriber verification handshake, signed notifications.

Shapes: health.v4.json (projects.subscribers.create describes the handshake; EndpointAuthorization
the Authorization header and the ECDSA signature) and https://developers.google.com/health/webhooks.
A notification body is one {"data": {...}} object or a JSON array of them; `data` carries
healthUserId, dataType (kebab-case), operation (UPSERT or DELETE) and intervals, each with a
physicalTimeInterval (RFC 3339) and civil forms of the same interval.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings

from connections.providers.google_health import client, signature
from connections.providers.push import DELETE, UPSERT, Delivery, Hint, Inbound, refuse, same_secret

SIGNATURE_HEADERS = ("GOOGLE-HEALTH-API-SIGNATURE", "X-HEALTHAPI-SIGNATURE")
MAX_NOTIFICATIONS = 1000  # per request; Google batches up to 99
CIVIL_SLACK = timedelta(hours=14)  # a civil time without its offset is within 14 h of UTC

# Which Tendon feed reads each data type (kebab-case, as notifications name them).
DATA_TYPE_FEEDS: dict[str, tuple[str, ...]] = {
    data_type: (feed,) for feed, types in client.FEED_DATA_TYPES.items() for data_type in types
}
DATA_TYPE_FEEDS.update({data_type: ("daily",) for data_type in client.DAILY_ROLLUPS})
DATA_TYPE_FEEDS["heart-rate"] = ("heart_rate",)  # resting heart rate is derived from it
FRACTION = re.compile(r"(\.\d{6})\d+")


def _moment(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("time is not a string")
    moment = datetime.fromisoformat(FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _interval(intervals: object) -> tuple[datetime | None, datetime | None]:
    """The span every interval of a notification covers, in physical (UTC) time."""
    if intervals is None:
        return None, None
    if not isinstance(intervals, list):
        raise ValueError("intervals is not a list")
    starts, ends = [], []
    for interval in intervals:
        if not isinstance(interval, dict):
            raise ValueError("interval is not an object")
        physical = interval.get("physicalTimeInterval")
        civil = interval.get("civilIso8601TimeInterval")
        if isinstance(physical, dict) and physical.get("startTime"):
            start = _moment(physical["startTime"])
            end = _moment(physical.get("endTime") or physical["startTime"])
        elif isinstance(civil, dict) and civil.get("startTime"):
            start = _moment(civil["startTime"]) - CIVIL_SLACK
            end = _moment(civil.get("endTime") or civil["startTime"]) + CIVIL_SLACK
        else:
            continue
        starts.append(min(start, end))
        ends.append(max(start, end))
    return (min(starts), max(ends)) if starts else (None, None)


def parse_notifications(payload: object) -> tuple[Hint, ...]:
    """The hints a notification body carries; ValueError if it is not the documented shape."""
    items = payload if isinstance(payload, list) else [payload]
    if not items or len(items) > MAX_NOTIFICATIONS:
        raise ValueError("no notification, or too many")
    hints = []
    for item in items:
        data = item.get("data") if isinstance(item, dict) else None
        if not isinstance(data, dict):
            raise ValueError("a notification without data")
        uid, data_type = data.get("healthUserId"), data.get("dataType")
        if not isinstance(uid, str) or not uid or not isinstance(data_type, str):
            raise ValueError("a notification without healthUserId or dataType")
        operation = str(data.get("operation") or "").upper()
        intervals = data.get("intervals")
        if intervals is None and isinstance(data.get("civilIso8601TimeInterval"), dict):
            intervals = [{"civilIso8601TimeInterval": data["civilIso8601TimeInterval"]}]  # older
        start, end = _interval(intervals)
        hints.append(
            Hint(
                account_uid=uid,
                feeds=DATA_TYPE_FEEDS.get(data_type, ()),
                operation=DELETE if operation == "DELETE" else UPSERT,
                start=start,
                end=end,
                data_type=data_type[:64],
            )
        )
    return tuple(hints)


def _json(body: bytes) -> object | None:
    try:
        return json.loads(body)
    except ValueError:  # includes UnicodeDecodeError
        return None


def _is_handshake(payload: object) -> bool:
    items = payload if isinstance(payload, list) else [payload]
    return bool(items) and all(
        isinstance(i, dict) and i.get("type") == "verification" for i in items
    )


def signed_reader(
    *, provider_name: str, authorization: Callable[[], str], keyset_url: Callable[[], str]
) -> Callable[[Inbound], Delivery]:
    """A webhook reader for Google's scheme (the demo provider pushes the same way)."""

    def read(inbound: Inbound) -> Delivery:
        expected = authorization()
        if not expected:
            return Delivery(status=404, body=b"Push is not set up here.")
        if inbound.method != "POST":
            return Delivery(status=405, body=b"POST only.", extra_headers={"Allow": "POST"})
        given = inbound.headers.get("Authorization")
        payload = _json(inbound.body)
        if _is_handshake(payload):
            # Both handshake requests change nothing and are not counted as pushes.
            ok = same_secret(given, expected)
            return Delivery(status=201 if ok else 401, body=b"" if ok else b"Unauthorized")
        if not same_secret(given, expected):
            return refuse(401, "wrong_authorization" if given else "no_authorization")
        header = next(
            (inbound.headers.get(h) for h in SIGNATURE_HEADERS if inbound.headers.get(h)), None
        )
        try:
            signature.verify(
                inbound.body, header, keyset_url=keyset_url(), provider_name=provider_name
            )
        except signature.Unverifiable as error:
            if error.reason == "keyset_unavailable":
                return refuse(503, error.reason, "Cannot check signatures now; retry later.")
            return refuse(401, error.reason)
        try:
            hints = parse_notifications(payload)
        except (ValueError, TypeError):
            return refuse(401, "not_json" if payload is None else "bad_shape")
        return Delivery(status=204, hints=hints, verified=True)

    return read


read = signed_reader(
    provider_name="Google",
    authorization=lambda: settings.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION,
    keyset_url=lambda: settings.GOOGLE_HEALTH_WEBHOOK_KEYSET_URL,
)
