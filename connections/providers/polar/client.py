"""Polar AccessLink v3: OAuth 2.0 without refresh tokens, the mandatory user registration, and
the data Tendon reads.

Reference: https://www.polar.com/accesslink-api/ and its OpenAPI file
https://www.polar.com/accesslink-api/swagger.yaml (Oct 2026). Polar's lists of exercises, sleep
and Nightly Recharge take no date range (the last 28-30 days, always); daily activity takes
from/to, at most 28 days apart and 365 days back. Nothing pages.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import requests
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables

from connections.providers.base import (
    AccessRejected,
    BadResponse,
    Budget,
    FeedPage,
    GrantRevoked,
    Identity,
    PersonMustAct,
    RateLimited,
    TokenSet,
    expiry,
    send,
)
from connections.providers.oauth2 import OAuth2TokenClient
from connections.providers.polar import normalise
from connections.providers.polar.scopes import CONSENTS_ACTION
from connections.providers.reading import RecordReader

# Range-less lists are read once per run, in the window that reaches the present: earlier
# windows of the same run would only read the same list again.
RECENT = timedelta(minutes=30)
DAILY_MAX_DAYS = 28  # Reference: swagger.yaml, Daily activity ("maximum range ... 28 days")
DAILY_HISTORY_DAYS = 364  # "From date cannot be older than 365 days from today" (one day spare)
QUARTER_HOUR = timedelta(minutes=15)

# feed -> (path, the key that holds the list, or None when the body is the list; the reader;
# the kind of record; the item's own id, under which one that cannot be read is set aside)
LISTS = {
    # Reference: https://www.polar.com/accesslink-api/#list-exercises
    "activities": ("/v3/exercises", None, normalise.exercise, "activity", "id"),
    # Reference: https://www.polar.com/accesslink-api/#list-nights
    "sleep": ("/v3/users/sleep", "nights", normalise.sleep, "sleep", "date"),
    # Reference: https://www.polar.com/accesslink-api/#list-nightly-recharges
    "heart_rate": (
        "/v3/users/nightly-recharge",
        "recharges",
        normalise.nightly_recharge,
        "heart_rate",
        "date",
    ),
}


def _pair(headers, name: str) -> tuple[int, int] | None:
    """'short, long' integers of a RateLimit-* header (spaces after the comma or not)."""
    try:
        short, long = (int(part.strip()) for part in headers.get(name, "").split(","))
    except ValueError:
        return None
    return short, long


def rate_budget(headers) -> Budget | None:
    """What is left of Polar's two application-wide windows (15 minutes and 24 hours, rolling
    from their first request), from the RateLimit-* headers; None when they are missing.

    Reference: https://www.polar.com/accesslink-api/#rate-limiting"""
    usage, limit, reset = (_pair(headers, f"RateLimit-{n}") for n in ("Usage", "Limit", "Reset"))
    if usage is None or limit is None or reset is None:
        return None
    now = timezone.now()
    windows = [(limit[i] - usage[i], now + timedelta(seconds=max(0, reset[i]))) for i in (0, 1)]
    remaining, resets_at = min(windows, key=lambda window: window[0])
    spent = [at for left, at in windows if left <= 0]
    return Budget(remaining=max(0, remaining), resets_at=max(spent or [resets_at]), app_wide=True)


class PolarClient(OAuth2TokenClient):
    budget: Budget | None = None

    @method_decorator(sensitive_variables())
    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """Polar's token for an authorization code (no refresh token); GrantRevoked if refused."""
        # Reference: https://www.polar.com/accesslink-api/#token-endpoint
        response = send(
            self.session,
            "POST",
            self.config.token_url,
            provider_name=self.name,
            auth=(self.config.client_id, self.config.client_secret),
            headers={"Accept": "application/json;charset=UTF-8"},
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        )
        body = self._json(response)
        if response.status_code != 200 or not isinstance(body, dict) or "error" in body:
            error = body.get("error") if isinstance(body, dict) else None
            if error == "invalid_grant":
                raise GrantRevoked(f"{self.name} refused the code (invalid_grant).")
            raise BadResponse(
                f"{self.name}'s token endpoint refused ({error or response.status_code})."
            )
        access_token, user_id = body.get("access_token"), body.get("x_user_id")
        if not isinstance(access_token, str) or not access_token or user_id in (None, ""):
            raise BadResponse(f"{self.name} answered without an access token or x_user_id.")
        return TokenSet(
            access_token=access_token,
            refresh_token="",  # Polar issues none: the access token lasts about a year
            expires_at=expiry(body.get("expires_in")),
            scopes=None,  # Polar does not say; it has one scope
            claims={"x_user_id": str(user_id)},
        )

    def refresh(self, *, refresh_token: str) -> TokenSet:
        """Never called (the spec says Polar issues no refresh token); refuses if it were."""
        raise GrantRevoked(f"{self.name} issues no refresh token: only reconnecting renews access.")

    def identity(self, tokens: TokenSet, *, profile: dict | None = None) -> Identity:
        """The Polar user the token names (x_user_id), by name when Polar told us it."""
        uid = tokens.claims.get("x_user_id", "")
        profile = profile or {}
        name = " ".join(str(profile.get(k) or "") for k in ("first-name", "last-name")).strip()
        extra = {"polar-user-id": uid, "registration-date": profile.get("registration-date")}
        return Identity(uid=uid, label=name[:255] or f"Polar user {uid}", extra_data=extra)

    @method_decorator(sensitive_variables())
    def register_user(self, *, access_token: str, member_id: str) -> dict | None:
        """The registered user (200), or None when Polar already had them registered (409).

        Raises PersonMustAct (403: mandatory consents not accepted), AccessRejected (401)."""
        # Reference: https://www.polar.com/accesslink-api/#register-user
        response = self._request(
            "POST", "/v3/users", access_token=access_token, json={"member-id": member_id}
        )
        if response.status_code == 409:
            return None  # "already registered to partner or duplicated member-id": both ours
        body = self._checked(response, "/v3/users")
        if not isinstance(body, dict):
            raise BadResponse(f"{self.name} answered the registration without the user.")
        return body

    @method_decorator(sensitive_variables())
    def user_profile(self, *, access_token: str, user_id: str) -> dict | None:
        """The registered user's information, or None when Polar has none to give."""
        # Reference: https://www.polar.com/accesslink-api/#get-user-information
        body = self._checked(
            self._request("GET", f"/v3/users/{user_id}", access_token=access_token), "/v3/users"
        )
        return body if isinstance(body, dict) else None

    @method_decorator(sensitive_variables())
    def fetch_feed(
        self, *, access_token: str, feed: str, start: datetime, end: datetime, token: str | None
    ) -> FeedPage:
        """The feed's records for [start, end): daily activity by date range (token: the next
        `from` date), the other feeds as Polar lists them, in the window reaching now."""
        if feed == "daily":
            return self._daily(access_token=access_token, start=start, end=end, token=token)
        if end < timezone.now() - RECENT:
            return FeedPage(records=[], next_token=None, api_calls=0)
        if feed == "body":
            # Reference: swagger.yaml, tag "Physical info" (GET /v3/users/physical-info)
            body = self._get("/v3/users/physical-info", access_token=access_token)
            if body is not None and not isinstance(body, dict):
                raise BadResponse(f"{self.name} sent physical info in a shape we cannot read.")
            reading = RecordReader(kind="body")
            records = reading.each(normalise.physical_info, [body] if body else [])
            return FeedPage(
                records=records, next_token=None, api_calls=1, unreadable=reading.unreadable
            )
        if feed not in LISTS:
            raise BadResponse(f"{self.name} has no {feed} feed in Tendon.")
        path, key, reader, kind, id_field = LISTS[feed]
        body = self._get(path, access_token=access_token)
        items = (body.get(key) if isinstance(body, dict) else None) if key else body
        if body is None:
            items = []  # 204: nothing yet
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BadResponse(f"{self.name} sent {path} in a shape we cannot read.")
        reading = RecordReader(kind=kind, id_field=id_field)
        records = reading.each(reader, items)
        return FeedPage(
            records=records, next_token=None, api_calls=1, unreadable=reading.unreadable
        )

    @method_decorator(sensitive_variables())
    def _daily(self, *, access_token: str, start: datetime, end: datetime, token: str | None):
        today = timezone.now().date()
        first = max(
            date.fromisoformat(token) if token else start.date(),
            today - timedelta(days=DAILY_HISTORY_DAYS),
        )
        last = min(end.date(), today)
        if last < first:
            return FeedPage(records=[], next_token=None, api_calls=0)  # older than Polar keeps
        upto = min(last, first + timedelta(days=DAILY_MAX_DAYS - 1))
        # Reference: https://www.polar.com/accesslink-api/#list-activities-for-given-date-range
        body = self._get(
            "/v3/users/activities",
            access_token=access_token,
            params={"from": first.isoformat(), "to": upto.isoformat()},
        )
        items = body if body is not None else []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BadResponse(f"{self.name} sent daily activity in a shape we cannot read.")
        reading = RecordReader(kind="daily", id_field="start_time")
        records = reading.each(normalise.activity_day, items)
        more = (upto + timedelta(days=1)).isoformat() if upto < last else None
        return FeedPage(
            records=records, next_token=more, api_calls=1, unreadable=reading.unreadable
        )

    @method_decorator(sensitive_variables())
    def revoke(self, *, access_token: str, refresh_token: str, account_uid: str) -> None:
        """De-registers the user, which is Polar's revocation of our access token."""
        # Reference: https://www.polar.com/accesslink-api/#delete-user
        response = self._request("DELETE", f"/v3/users/{account_uid}", access_token=access_token)
        if response.status_code in (401, 403, 404):
            raise GrantRevoked(f"{self.name} no longer knows this grant ({response.status_code}).")
        if response.status_code not in (200, 204):
            raise BadResponse(
                f"{self.name} answered {response.status_code} to the de-registration."
            )

    # -- The application's one webhook (HTTP Basic with the client's credentials) -------------

    def webhooks(self) -> list[dict]:
        """The application's webhooks (Polar allows one)."""
        # Reference: https://www.polar.com/accesslink-api/#get-webhook
        body = self._checked(self._request("GET", "/v3/webhooks"), "/v3/webhooks")
        data = body.get("data") if isinstance(body, dict) else None
        return [w for w in data if isinstance(w, dict)] if isinstance(data, list) else []

    def webhook_create(self, *, url: str, events: list[str]) -> dict:
        """The new webhook, with its signature_secret_key (Polar shows it only now). Polar pings
        `url` first and creates nothing unless it answers 200."""
        # Reference: https://www.polar.com/accesslink-api/#create-webhook
        response = self._request("POST", "/v3/webhooks", json={"events": events, "url": url})
        if response.status_code in (400, 409):
            body = self._json(response)
            message = body.get("message") if isinstance(body, dict) else None
            raise BadResponse(f"{self.name} refused ({response.status_code}): {message or '-'}")
        body = self._checked(response, "/v3/webhooks")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("signature_secret_key"):
            raise BadResponse(f"{self.name} created the webhook without its signing secret.")
        return data

    def webhook_delete(self, *, webhook_id: str) -> None:
        # Reference: https://www.polar.com/accesslink-api/#delete-webhook
        response = self._request("DELETE", f"/v3/webhooks/{webhook_id}")
        if response.status_code not in (200, 204):
            raise BadResponse(f"{self.name} answered {response.status_code} to the deletion.")

    # -- HTTP ---------------------------------------------------------------------------------

    @method_decorator(sensitive_variables())
    def _get(self, path: str, *, access_token: str, params: dict | None = None) -> Any:
        return self._checked(
            self._request("GET", path, access_token=access_token, params=params), path
        )

    @method_decorator(sensitive_variables())
    def _request(self, method: str, path: str, *, access_token: str = "", **kwargs):
        """A response from the AccessLink API, with the user's Bearer token or, without one,
        the client's own credentials (HTTP Basic: webhooks). Reads Polar's rate limits."""
        if access_token:
            kwargs["headers"] = {"Authorization": f"Bearer {access_token}"}
        else:
            kwargs["auth"] = (self.config.client_id, self.config.client_secret)
        kwargs.setdefault("headers", {})["Accept"] = "application/json"
        try:
            response = send(
                self.session,
                method,
                f"{self.config.api_url.rstrip('/')}{path}",
                provider_name=self.name,
                **kwargs,
            )
        except RateLimited as limited:
            raise self._limited(limited) from limited
        self.budget = rate_budget(response.headers) or self.budget
        return response

    def _limited(self, limited: RateLimited) -> RateLimited:
        """Polar's 429 sends no Retry-After: come back when its spent window resets (its
        RateLimit-Reset), for every connection: the limit is the whole application's."""
        headers = limited.response.headers if limited.response is not None else {}
        budget = rate_budget(headers)
        resume = budget.resets_at if budget else timezone.now() + QUARTER_HOUR
        return RateLimited(f"{self.name} asked us to slow down.", retry_at=resume, app_wide=True)

    def _checked(self, response: requests.Response, path: str) -> Any:
        """The JSON body of a 200 (None for 204, "no content"); raises for the rest."""
        if response.status_code == 204:
            return None
        if response.status_code == 401:
            raise AccessRejected(f"{self.name} no longer accepts our access token.")
        if response.status_code == 403:
            raise PersonMustAct(
                f"{self.name} refused {path} (403: mandatory consents not accepted).",
                action=CONSENTS_ACTION,
            )
        if response.status_code not in (200, 201):
            raise BadResponse(f"{self.name} answered {response.status_code} to {path}.")
        body = self._json(response)
        if body is None:
            raise BadResponse(f"{self.name} answered {path} with something that is not JSON.")
        return body

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None
