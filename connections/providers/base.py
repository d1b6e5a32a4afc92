"""What every provider client shares: the error hierarchy, token and identity shapes, HTTP.

Clients raise these errors; services decide what they mean for a credential or a connection.
Nothing here touches the ORM.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.utils import timezone

USER_AGENT = "Tendon/0.1 (+https://github.com/tendon-health/tendon)"
TIMEOUT = (5, 30)  # seconds to connect, seconds to read
MAX_PAGES_PER_FETCH = 20  # pages one paging loop inside a client may follow

logger = logging.getLogger(__name__)


class ProviderError(Exception):
    """The provider failed in a way that may pass: retry later, never flag the grant."""

    code = "provider_error"
    retry_at: datetime | None = None  # when the provider said to come back, if it did


class ProviderUnavailable(ProviderError):
    """DNS, connection, timeout or 5xx: the provider is not answering."""

    code = "unreachable"


class ProviderNotOffered(ProviderError):
    """The provider has left this Tendon's registry (switched off in settings): nothing can be
    asked of it, so nothing is done. Never the person's doing, never flagged; it works again
    if the provider is switched back on."""

    code = "unavailable"


class NoAnswer(ProviderUnavailable):
    """No connection, or no answer within the timeout: unlike a 5xx, such a request may have
    held a worker's thread for the whole timeout."""


class RateLimited(ProviderError):
    """The provider asked us to slow down until retry_at. app_wide: the limit is the whole
    application's (every connection of the provider waits), not this account's."""

    code = "rate_limited"
    # The 429 itself, for a client whose provider says when to come back in its own headers
    # rather than in Retry-After (Strava, Polar).
    response: requests.Response | None = None

    def __init__(self, message: str, *, retry_at: datetime, app_wide: bool = False) -> None:
        super().__init__(message)
        self.retry_at = retry_at
        self.app_wide = app_wide


class BadResponse(ProviderError):
    """The provider answered something we cannot read (HTML, broken JSON, missing fields)."""

    code = "bad_response"


class ProviderRefused(ProviderError):
    """The provider refused for a reason that is neither the person's grant nor a missing
    permission (an API switched off in the operator's project, a suspended client): retried
    with back-off, never read as the person's doing; support sees the reason."""

    code = "provider_refused"


class AccountInactive(ProviderError):
    """The provider holds the grant but shares no data for this account for now (a lapsed
    membership): never the person's grant, never flagged; retried with back-off until the
    provider shares again. The page says so in plain words."""

    code = "account_inactive"


class GrantRevoked(Exception):
    """The provider no longer accepts this grant (or this authorization code): the user must act."""

    code = "grant_revoked"


class AccessRejected(GrantRevoked):
    """The API refused the access token (401). Permanent only if it survives one refresh."""

    code = "access_rejected"


class ApiRetired(GrantRevoked):
    """410 Gone: the provider has retired this API."""

    code = "api_retired"


class PersonMustAct(GrantRevoked):
    """The provider holds the person's data back until they do something on its side (Polar:
    accept its mandatory consents). `action` says what, in words the person reads."""

    code = "person_must_act"

    def __init__(self, message: str, *, action: str) -> None:
        super().__init__(message)
        self.action = action


class ScopeMissing(Exception):
    """The grant lacks a permission this request needs; only the feeds needing it are affected."""

    code = "scope_missing"

    def __init__(self, message: str, *, scope: str) -> None:
        super().__init__(message)
        self.scope = scope


@dataclass(frozen=True)
class TokenSet:
    """What a token endpoint gave us. Never logged: its repr hides the secrets."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime | None
    scopes: frozenset[str] | None  # None: the provider did not say which scopes it granted
    claims: dict[str, Any] = field(default_factory=dict)  # id_token claims or account hints


@dataclass(frozen=True)
class Identity:
    """Who the provider account is: a stable id and something a person recognises."""

    uid: str
    label: str
    extra_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClientConfig:
    client_id: str
    client_secret: str = field(repr=False)
    authorize_url: str
    token_url: str
    revoke_url: str
    api_url: str


@dataclass(frozen=True)
class RecordData:
    """One record as a provider gave it, normalised: what to store under which key."""

    kind: str  # activity | sleep | body | daily | heart_rate
    key: str  # the provider's id for the record, or the civil date for daily data
    values: dict[str, Any]
    raw: dict[str, Any]


@dataclass(frozen=True)
class UnreadableRecord:
    """One record a provider sent that its normaliser could not read (providers/reading.py):
    set aside with its payload and the reason, like a record the database refuses."""

    kind: str
    key: str
    raw: Any
    reason: str


@dataclass(frozen=True)
class FeedPage:
    """One page of a feed's window; next_token resumes inside the same window, None ends it.
    `unreadable`: the page's records that could not be read, set aside while the rest is stored."""

    records: list[RecordData]
    next_token: str | None
    api_calls: int
    unreadable: list[UnreadableRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Budget:
    """What the provider says is left of its rate limit, when it says so. app_wide: the limit
    is the whole application's, so every connection of the provider waits when it runs out."""

    remaining: int
    resets_at: datetime
    app_wide: bool = False

    @classmethod
    def from_headers(cls, headers) -> Budget | None:
        remaining = headers.get("RateLimit-Remaining") or headers.get("X-RateLimit-Remaining")
        reset = headers.get("RateLimit-Reset") or headers.get("X-RateLimit-Reset")
        if remaining is None or reset is None:
            return None
        try:
            remaining_calls, reset_seconds = int(remaining), int(float(reset))
        except ValueError:
            return None
        # RateLimit-Reset is "seconds from now"; a large number is an epoch timestamp.
        now = timezone.now()
        if reset_seconds > 10**9:
            resets_at = datetime.fromtimestamp(reset_seconds, tz=UTC)
        else:
            resets_at = now + timedelta(seconds=reset_seconds)
        return cls(remaining=remaining_calls, resets_at=max(resets_at, now))


class PageGuard:
    """Bounds one paging loop inside a client. A token seen before, or more pages than any real
    answer needs, ends the loop with what was read (a provider bug must not spin us); a passed
    deadline (the run's time budget) raises ProviderUnavailable, to be retried later."""

    def __init__(
        self, *, provider_name: str, deadline: float | None, limit: int = MAX_PAGES_PER_FETCH
    ) -> None:
        self.provider_name, self.deadline, self.limit = provider_name, deadline, limit
        self.seen: set[str] = set()

    def follow(self, token: str | None) -> str | None:
        """The token to request next, or None to stop."""
        if not token:
            return None
        token = str(token)
        if token in self.seen or len(self.seen) + 1 >= self.limit:
            logger.warning(
                "%s kept paging (repeated token or %s pages)",
                self.provider_name,
                len(self.seen) + 1,
            )
            return None
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ProviderUnavailable(f"{self.provider_name} took longer than this run allows.")
        self.seen.add(token)
        return token


def new_session(*, pool: str | None = None, pool_size: int = 10) -> requests.Session:
    """A session of its own; with `pool` (a provider id) its connections come from the
    process's shared, kept-alive pool for that provider (providers/pools.py)."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    if pool:
        from connections.providers.pools import environment_read_once, shared_adapter

        adapter = shared_adapter(pool, size=pool_size)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        environment_read_once(session)
    return session


def retry_after(response: requests.Response, *, default_seconds: int = 60) -> datetime:
    """When a 429 (or a 503) says we may come back: Retry-After in seconds or as an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    now = timezone.now()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    if value:
        try:
            return max(parsedate_to_datetime(value), now)
        except (TypeError, ValueError):
            pass
    return now + timedelta(seconds=default_seconds)


def send(
    session: requests.Session, method: str, url: str, *, provider_name: str, **kwargs: Any
) -> requests.Response:
    """The response for a request, or the error that says what went wrong with the transport.

    Raises ProviderUnavailable (network, timeout, 5xx), RateLimited (429), ApiRetired (410).
    Other statuses are returned for the caller to interpret. A session may carry its own
    `tendon_timeout` (shorter, while a person waits on the answer) and `tendon_deadline` (a
    time.monotonic() by which every request must be over: each waits at most what is left, and
    none starts once it has passed, however many one task makes).
    """
    timeout = kwargs.pop("timeout", None) or getattr(session, "tendon_timeout", TIMEOUT)
    deadline = getattr(session, "tendon_deadline", None)
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ProviderUnavailable(
                f"{provider_name} was not asked: the time allowed for it ran out."
            )
        timeout = (
            tuple(min(part, left) for part in timeout)
            if isinstance(timeout, tuple)
            else min(timeout, left)
        )
    kwargs["timeout"] = timeout
    try:
        response = session.request(method, url, **kwargs)
    except requests.Timeout as error:
        raise NoAnswer(f"{provider_name} did not answer in time.") from error
    except requests.ConnectionError as error:
        raise NoAnswer(f"{provider_name} could not be reached.") from error
    except requests.RequestException as error:
        raise ProviderUnavailable(f"{provider_name} could not be reached.") from error
    if response.status_code == 429:
        limited = RateLimited(
            f"{provider_name} asked us to slow down.", retry_at=retry_after(response)
        )
        limited.response = response
        raise limited
    if response.status_code == 410:
        raise ApiRetired(f"{provider_name} has retired this API (410 Gone).")
    if response.status_code >= 500:
        raise ProviderUnavailable(
            f"{provider_name} answered with an error ({response.status_code})."
        )
    return response


def json_object(response: requests.Response, *, provider_name: str) -> dict[str, Any]:
    """The response body as a JSON object; BadResponse if it is anything else."""
    try:
        body = response.json()
    except ValueError as error:
        raise BadResponse(
            f"{provider_name} answered with something that is not JSON "
            f"(HTTP {response.status_code}, {response.headers.get('Content-Type', 'no type')})."
        ) from error
    if not isinstance(body, dict):
        raise BadResponse(f"{provider_name} answered with JSON that is not an object.")
    return body


def expiry(expires_in: Any) -> datetime | None:
    """The moment a token with this `expires_in` (seconds) expires; None if not given."""
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        return None
    return timezone.now() + timedelta(seconds=seconds)


def unverified_jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT we received straight from the token endpoint over TLS.

    OpenID Connect Core 3.1.3.7 allows skipping the signature check in exactly this case.
    We use the claims only to show which account the person signed in with.
    """
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}
