"""Withings Notify: the callback URL Withings checks (HEAD, GET) and its form-encoded POSTs.

Reference: https://developer.withings.com/developer-guide/v3/data-api/keep-user-data-up-to-date/
and .../notifications/notification-content: Withings POSTs `userid`, `appli`, `startdate`,
`enddate` (or `date`) and, for appli 46, an `action` (delete, unlink, update); it wants 200
within two seconds and drops a subscription after four failed deliveries.

Withings signs nothing, so its hints are never `verified`: they can only make a connection due
earlier. Operators may allow only Withings' addresses (WITHINGS_NOTIFY_ALLOWED_NETWORKS).
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import parse_qs

from django.conf import settings

from connections.providers.push import (
    UNLINKED,
    UPSERT,
    Delivery,
    Hint,
    Inbound,
    refuse,
    within_rate,
)

# Reference: notification categories ("appli") -> the Tendon feed whose data they announce.
APPLI_FEEDS: dict[int, tuple[str, ...]] = {1: ("body",), 16: ("daily",)}
USER_EVENTS = 46  # the person's account: delete, unlink (they removed Tendon), update
RATE_LIMIT = 30  # notifications per Withings user ...
RATE_WINDOW = 60  # ... per this many seconds; beyond that they are dropped (and answered 200)
OK = b"OK"


@lru_cache(maxsize=4)
def _networks(
    setting: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(cidr.strip(), strict=False) for cidr in setting if cidr.strip()
    )


def _allowed(remote_addr: str) -> bool:
    networks = _networks(tuple(settings.WITHINGS_NOTIFY_ALLOWED_NETWORKS))
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in networks)


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)


def read(inbound: Inbound) -> Delivery:
    """200 for Withings' URL checks; the hint a notification carries; refusals change nothing."""
    if inbound.method in ("GET", "HEAD"):
        return Delivery(status=200, body=OK)  # Withings checks the URL before subscribing
    if inbound.method != "POST":
        return Delivery(status=405, body=b"POST only.", extra_headers={"Allow": "GET, HEAD, POST"})
    if not _allowed(inbound.remote_addr):
        return refuse(403, "network")
    try:
        form = {k: v[0] for k, v in parse_qs(inbound.body.decode(), strict_parsing=True).items()}
        userid, appli = form["userid"].strip(), int(form["appli"])
        start = _moment(form.get("startdate") or form.get("date"))
        end = _moment(form.get("enddate")) or start
    except (KeyError, ValueError, UnicodeDecodeError):
        return refuse(400, "bad_shape")
    if not userid.isdigit():
        return refuse(400, "bad_shape")
    if not within_rate(scope="withings", sender=userid, limit=RATE_LIMIT, window=RATE_WINDOW):
        return refuse(200, "rate_limited", "OK")  # a non-200 would count as a failed delivery
    if appli == USER_EVENTS:
        action = form.get("action", "")
        unlinked = action in ("unlink", "delete")
        hint = Hint(
            account_uid=userid,
            feeds=(),
            operation=UNLINKED if unlinked else UPSERT,
            data_type=f"appli {appli} {action}".strip()[:64],
        )
    else:
        hint = Hint(
            account_uid=userid,
            feeds=APPLI_FEEDS.get(appli, ()),
            start=start,
            end=end,
            data_type=f"appli {appli}",
        )
    return Delivery(status=200, body=OK, hints=(hint,), verified=False)
