"""What every provider's webhook module shares: the request it reads and what it makes of it.

A provider's `webhook.py` verifies a push request in the provider's own way and parses it into
typed hints, and nothing else: it never touches connections or records. The shared service
(connections/services/push.py) turns hints into work (DESIGN.md rule 5: push is a hint).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache

UPSERT = "upsert"  # data was added or changed in the interval
DELETE = "delete"  # data was deleted in the interval
UNLINKED = "unlinked"  # the person says they unlinked Tendon at the provider


@dataclass(frozen=True)
class Inbound:
    """A push request as the door received it. Headers are case-insensitive."""

    method: str
    headers: Mapping[str, str]
    body: bytes
    remote_addr: str = ""
    # The query string (a GET handshake, where a provider checks the address with a token and
    # a challenge to echo); one value per name.
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hint:
    """Something changed for one provider account: which feeds, when, and how."""

    account_uid: str
    feeds: tuple[str, ...]  # Tendon feeds that read this data; empty: none does
    operation: str = UPSERT
    start: datetime | None = None
    end: datetime | None = None
    data_type: str = ""  # the provider's name for the data, for the log
    # The provider's id of the one record the push is about, when it names a record instead of
    # an interval: the stored record with that key places the hint in time.
    record_key: str = ""


@dataclass(frozen=True)
class Delivery:
    """What the door answers, and the hints it carries when the request was accepted.

    `verified` says the provider proved it sent the request (a signature): only then may a
    hint widen an import's window, delete records or slow polling down. Unverified hints can
    only make work happen earlier.
    """

    status: int
    body: bytes = b""
    content_type: str = "text/plain"
    hints: tuple[Hint, ...] = ()
    verified: bool = False
    refused: str = ""  # why the request was refused (a short code), when it was
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def logged(self) -> bool:
        """Whether the request counts as a push at all (the verification handshake does not)."""
        return bool(self.refused or self.hints)


def refuse(status: int, reason: str, message: str = "") -> Delivery:
    """A refusal: nothing changes. The body says why in a few words, never what was sent."""
    return Delivery(status=status, body=(message or reason).encode(), refused=reason)


def same_secret(given: str | None, expected: str) -> bool:
    """Whether a received secret equals ours, compared in constant time."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def within_rate(*, scope: str, sender: str, limit: int, window: int) -> bool:
    """Whether one more push from sender fits in `limit` per `window` seconds.

    Counted in the shared cache per fixed window: the window is in the key, so a cache whose
    incr() restarts the entry's timeout (the file cache) cannot stretch the window.
    """
    slot = int(time.time() // window)
    digest = hashlib.sha256(sender.encode()).hexdigest()[:24]
    key = f"tendon:push-rate:{scope}:{digest}:{slot}"
    if cache.add(key, 1, timeout=window * 2):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        return True
