"""Strava API v3: OAuth 2.0 with rotating refresh tokens, the athlete's activities, and rate
limits that reset on the wall clock (:00, :15, :30, :45 and midnight UTC) without Retry-After.

References: https://developers.strava.com/docs/authentication/ (tokens, deauthorization),
https://developers.strava.com/docs/reference/ (endpoints), https://developers.strava.com/docs/
rate-limits/ (headers, windows). Errors come in Strava's Fault shape {message, errors: [...]}.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
    ProviderRefused,
    RateLimited,
    ScopeMissing,
    TokenSet,
    retry_after,
    send,
)
from connections.providers.oauth2 import OAuth2TokenClient
from connections.providers.reading import RecordReader
from connections.providers.strava import normalise
from connections.providers.strava.scopes import ACTIVITY_READ_ALL
from connections.services.pacing import window_bounds

PER_PAGE = 200  # the most Strava allows per page
RECENT = timedelta(minutes=30)  # the current-state profile is read in the window reaching now
# (limit, usage) header pairs, each "15-minute, daily"; names compared case-insensitively.
RATE_HEADERS = (
    ("X-RateLimit-Limit", "X-RateLimit-Usage"),
    ("X-ReadRateLimit-Limit", "X-ReadRateLimit-Usage"),
)


def _pair(headers, name: str) -> tuple[int, int] | None:
    try:
        short, daily = (int(part.strip()) for part in headers.get(name, "").split(","))
    except ValueError:
        return None
    return short, daily


def rate_budget(headers, *, now: datetime | None = None) -> Budget | None:
    """What is left of Strava's application-wide allowances (overall and read, per quarter hour
    and per UTC day), with when the tightest one resets; None without the headers."""
    now = now or timezone.now()
    quarter_end, day_end = window_bounds("quarter_hour", now)[1], window_bounds("day", now)[1]
    windows = []
    for limit_name, usage_name in RATE_HEADERS:
        limit, usage = _pair(headers, limit_name), _pair(headers, usage_name)
        if limit and usage:
            windows += [(limit[0] - usage[0], quarter_end), (limit[1] - usage[1], day_end)]
    if not windows:
        return None
    remaining, resets_at = min(windows, key=lambda window: window[0])
    spent = [at for left, at in windows if left <= 0]
    return Budget(remaining=max(0, remaining), resets_at=max(spent or [resets_at]), app_wide=True)


def resume_after_limit(headers, *, now: datetime | None = None) -> datetime:
    """When a 429 without Retry-After may come back, from the clock: midnight UTC when a daily
    allowance is spent, else the next quarter hour (:00, :15, :30, :45)."""
    now = now or timezone.now()
    budget = rate_budget(headers, now=now)
    if budget is not None and budget.remaining <= 0:
        return budget.resets_at
    return window_bounds("quarter_hour", now)[1]


def _fault(response: requests.Response) -> list[dict]:
    """The errors[] of a Fault body ([] when the body is not one)."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return []
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


class StravaClient(OAuth2TokenClient):
    scope_delimiter = ","
    budget: Budget | None = None

    @method_decorator(sensitive_variables())
    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """Tokens (and the athlete) for an authorization code; GrantRevoked if refused."""
        # Reference: https://developers.strava.com/docs/authentication/#token-exchange
        data = {
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        return self._token_request(data, previous_refresh_token="")

    @method_decorator(sensitive_variables())
    def _token_request(self, data: dict[str, str], *, previous_refresh_token: str) -> TokenSet:
        # Reference: https://developers.strava.com/docs/authentication/#refreshing-expired-access-tokens
        try:
            response = send(
                self.session, "POST", self.config.token_url, provider_name=self.name, data=data
            )
        except RateLimited as limited:
            raise self._limited(limited) from limited
        if response.status_code != 200:
            errors = _fault(response)
            resources = {str(e.get("resource")) for e in errors}
            if resources & {"RefreshToken", "AuthorizationCode"}:
                raise GrantRevoked(f"{self.name} refused the grant ({', '.join(resources)}).")
            if "Application" in resources:
                raise ProviderRefused(f"{self.name} refused Tendon's application: {errors}")
            raise BadResponse(f"{self.name}'s token endpoint answered {response.status_code}.")
        try:
            body = response.json()
        except ValueError as error:
            raise BadResponse(f"{self.name}'s token endpoint answered no JSON.") from error
        if not isinstance(body, dict):
            raise BadResponse(f"{self.name}'s token endpoint answered no JSON object.")
        tokens = self.token_set(body, previous_refresh_token=previous_refresh_token)
        expires_at = tokens.expires_at
        if expires_at is None and isinstance(body.get("expires_at"), int):
            expires_at = datetime.fromtimestamp(body["expires_at"], tz=UTC)
        athlete = body.get("athlete") if isinstance(body.get("athlete"), dict) else {}
        return TokenSet(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,  # rotated: the old one dies as this one is born
            expires_at=expires_at,
            scopes=None,  # only the callback says what was granted
            claims={"athlete": athlete} if athlete else {},
        )

    def identity(self, tokens: TokenSet) -> Identity:
        """The athlete the token answer named (its id is the provider account id)."""
        athlete = tokens.claims.get("athlete") or {}
        if athlete.get("id") in (None, ""):
            raise BadResponse(f"{self.name} did not say which athlete this is.")
        uid = str(athlete["id"])
        name = " ".join(str(athlete.get(k) or "") for k in ("firstname", "lastname")).strip()
        label = name or str(athlete.get("username") or "") or f"Strava athlete {uid}"
        return Identity(uid=uid, label=label[:255], extra_data={"athlete_id": uid})

    @method_decorator(sensitive_variables())
    def fetch_feed(
        self, *, access_token: str, feed: str, start: datetime, end: datetime, token: str | None
    ) -> FeedPage:
        """One page of the athlete's activities started in [start, end) (token: the page
        number; an empty page ends the window), or the profile's weight in the window reaching
        now."""
        if feed == "body":
            if end < timezone.now() - RECENT:
                return FeedPage(records=[], next_token=None, api_calls=0)
            # Reference: https://developers.strava.com/docs/reference/#api-Athletes-getLoggedInAthlete
            body = self._get("/v3/athlete", access_token=access_token)
            if not isinstance(body, dict):
                raise BadResponse(f"{self.name} sent a profile that is not an object.")
            reading = RecordReader(kind="body")
            record = reading.one(normalise.athlete_weight, body, raw=normalise.athlete_raw(body))
            return FeedPage(
                records=[record] if record else [],
                next_token=None,
                api_calls=1,
                unreadable=reading.unreadable,
            )
        if feed != "activities":
            raise BadResponse(f"{self.name} has no {feed} feed in Tendon.")
        page = int(token) if token and token.isdigit() else 1
        # Reference: https://developers.strava.com/docs/reference/#api-Activities-getLoggedInAthleteActivities
        items = self._get(
            "/v3/athlete/activities",
            access_token=access_token,
            params={
                "after": int(start.timestamp()) - 1,  # "after" is exclusive
                "before": int(end.timestamp()),
                "page": page,
                "per_page": PER_PAGE,
            },
        )
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BadResponse(f"{self.name} sent activities that are not a list of objects.")
        reading = RecordReader(kind="activity")
        records = reading.each(normalise.activity, items)
        # A short page is not the last one (https://developers.strava.com/docs/#pagination):
        # only an empty page is.
        return FeedPage(
            records=records,
            next_token=str(page + 1) if items else None,
            api_calls=1,
            unreadable=reading.unreadable,
        )

    @method_decorator(sensitive_variables())
    def fetch_record(self, *, access_token: str, feed: str, key: str, account_uid: str) -> FeedPage:
        """The athlete's activity with this id, read by itself (the list reaches it only by
        its start time, and an activity uploaded late started long before any window):
        nothing when Strava has no such activity for this athlete (404) or gives one that is
        someone else's. Its detailed view carries calories, which the list does not."""
        if feed != "activities" or not key.isdigit():
            return FeedPage(records=[], next_token=None, api_calls=0)
        path = f"/v3/activities/{key}"
        # Reference: https://developers.strava.com/docs/reference/#api-Activities-getActivityById
        # ("Returns the given activity that is owned by the authenticated athlete").
        response = self.request("GET", path, access_token=access_token)
        if response.status_code == 404:
            return FeedPage(records=[], next_token=None, api_calls=1)
        item = self.checked(response, "/v3/activities/{id}")
        athlete = item.get("athlete") if isinstance(item, dict) else None
        if not isinstance(athlete, dict) or str(athlete.get("id")) != account_uid:
            return FeedPage(records=[], next_token=None, api_calls=1)
        reading = RecordReader(kind="activity")
        record = reading.one(normalise.detailed_activity, item, raw=item)
        return FeedPage(
            records=[record] if record else [],
            next_token=None,
            api_calls=1,
            unreadable=reading.unreadable,
        )

    @method_decorator(sensitive_variables())
    def revoke(self, *, access_token: str, refresh_token: str, account_uid: str) -> None:
        """Ends the grant at Strava (every token of it). oauth/deauthorize takes the access
        token, which may have expired (six hours): then one refresh first. The replacement,
        oauth/revoke (2026), takes either token with the client's credentials (RFC 7009)."""
        url = self.config.revoke_url
        if url.rstrip("/").endswith("/oauth/revoke"):
            # Reference: https://developers.strava.com/docs/authentication/ ("oauth/revoke")
            response = send(
                self.session,
                "POST",
                url,
                provider_name=self.name,
                auth=(self.config.client_id, self.config.client_secret),
                data={"token": refresh_token or access_token},
            )
        else:
            response = self._deauthorize(access_token)
            if response.status_code == 401 and refresh_token:
                fresh = self.refresh(refresh_token=refresh_token)  # GrantRevoked if gone
                response = self._deauthorize(fresh.access_token)
        if response.status_code == 401:
            raise GrantRevoked(f"{self.name} no longer knows this grant.")
        if response.status_code != 200:
            raise BadResponse(f"{self.name} answered {response.status_code} to the revocation.")

    @method_decorator(sensitive_variables())
    def _deauthorize(self, access_token: str) -> requests.Response:
        # Reference: https://developers.strava.com/docs/authentication/#deauthorization
        return send(
            self.session,
            "POST",
            self.config.revoke_url,
            provider_name=self.name,
            headers={"Authorization": f"Bearer {access_token}"},
            data={"access_token": access_token},
        )

    # -- HTTP ---------------------------------------------------------------------------------

    @method_decorator(sensitive_variables())
    def _get(self, path: str, *, access_token: str = "", params: dict | None = None) -> Any:
        response = self.request("GET", path, access_token=access_token, params=params)
        return self.checked(response, path)

    @method_decorator(sensitive_variables())
    def request(self, method: str, path: str, *, access_token: str = "", **kwargs):
        """A response from the API (Bearer when a token is given). Reads the rate headers;
        a 429 pauses the whole application until the window the clock says resets."""
        if access_token:
            kwargs["headers"] = {"Authorization": f"Bearer {access_token}"}
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
        """Strava's 429 (API or token endpoint) pauses the whole application until the window
        the clock says resets: it sends no Retry-After (honoured should it ever send one)."""
        headers = limited.response.headers if limited.response is not None else {}
        resume = (
            retry_after(limited.response)
            if limited.response is not None and headers.get("Retry-After")
            else resume_after_limit(headers)
        )
        return RateLimited(
            f"{self.name} says Tendon's allowance is used up.", retry_at=resume, app_wide=True
        )

    def checked(self, response: requests.Response, path: str) -> Any:
        """The JSON of a 2xx answer; raises by Strava's Fault for the rest."""
        errors = _fault(response) if response.status_code >= 400 else []
        if response.status_code == 401:
            missing = [e for e in errors if e.get("code") == "missing"]
            if missing:
                raise ScopeMissing(
                    f"{self.name} refused {path}: {missing[0].get('field')} missing.",
                    scope=ACTIVITY_READ_ALL if "activit" in path else "",
                )
            raise AccessRejected(f"{self.name} no longer accepts our access token.")
        if response.status_code == 403:
            # The operator's application, not the person: inactive (no subscription since
            # 2026) or over its athlete capacity. Retried; support sees why.
            raise ProviderRefused(f"{self.name} refused {path} (403): {errors or 'no reason'}")
        if response.status_code == 204:
            return None
        if not 200 <= response.status_code < 300:
            raise BadResponse(f"{self.name} answered {response.status_code} to {path}.")
        try:
            return response.json()
        except ValueError as error:
            raise BadResponse(f"{self.name} answered {path} with something not JSON.") from error
