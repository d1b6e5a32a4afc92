"""WHOOP developer API v2 and WHOOP's OAuth 2.0.

Reference: https://developer.whoop.com/docs/developing/oauth and the OpenAPI document
(https://developer.whoop.com/api). A refresh sends `scope=offline` and kills the old access and
refresh tokens at once ("the first refresh request that reaches WHOOP will succeed"): only the
one token door's single-flight refresh keeps the connection alive. Limits are the whole
application's (100 requests a minute, 10,000 a day), so a 429 or a spent allowance pauses every
WHOOP connection until X-RateLimit-Reset (seconds; WHOOP documents no Retry-After).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import requests
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables

from connections.providers.base import (
    AccessRejected,
    AccountInactive,
    BadResponse,
    Budget,
    FeedPage,
    GrantRevoked,
    Identity,
    PageGuard,
    ProviderRefused,
    RateLimited,
    ScopeMissing,
    TokenSet,
    json_object,
    send,
)
from connections.providers.oauth2 import OAuth2TokenClient
from connections.providers.reading import RecordReader
from connections.providers.whoop import normalise, scopes

PAGE_SIZE = 25  # WHOOP's maximum `limit`
COLLECTIONS = {"activities": "/v2/activity/workout", "sleep": "/v2/activity/sleep"}
READERS = {"activities": normalise.workout, "sleep": normalise.sleep}
KINDS = {"activities": "activity", "sleep": "sleep"}
FEED_SCOPES = {
    "activities": scopes.WORKOUT,
    "sleep": scopes.SLEEP,
    "daily": scopes.CYCLES,
    "body": scopes.BODY,
}
DAY_MARGIN = timedelta(days=3)  # cycles read beyond the window, so each of its days is whole
LATEST = timedelta(hours=1)  # a window ending this close to now reads the current body measurement


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class WhoopClient(OAuth2TokenClient):
    """Tokens from WHOOP's OAuth 2.0; data from the WHOOP developer API v2."""

    budget: Budget | None = None
    _last_response: requests.Response | None = None

    @method_decorator(sensitive_variables())
    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """Tokens for an authorization code; ScopeMissing("offline") when WHOOP gave no refresh
        token (the connection would die within the hour), GrantRevoked if the code is refused."""
        tokens = super().exchange_code(
            code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )
        if not tokens.refresh_token:
            raise ScopeMissing(
                f"{self.name} gave no refresh token (the offline scope was not granted).",
                scope=scopes.OFFLINE,
            )
        return tokens

    @method_decorator(sensitive_variables())
    def refresh(self, *, refresh_token: str) -> TokenSet:
        """New tokens; both old ones are dead from now on, so the returned pair must be stored."""
        # Reference: https://developer.whoop.com/docs/tutorials/refresh-token-javascript
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "scope": scopes.OFFLINE,
        }
        return self._token_request(data, previous_refresh_token=refresh_token)

    @method_decorator(sensitive_variables())
    def identity(self, tokens: TokenSet) -> Identity:
        """The WHOOP account: `user_id` of the basic profile (webhooks name it too)."""
        # Reference: https://developer.whoop.com/api#tag/User/operation/getProfileBasic
        body = self.api_get("/v2/user/profile/basic", access_token=tokens.access_token)
        uid = body.get("user_id")
        if isinstance(uid, bool) or not isinstance(uid, int | str) or str(uid) in ("", "0"):
            raise BadResponse(f"{self.name} did not say which account this is (no user_id).")
        names = " ".join(str(body.get(k) or "") for k in ("first_name", "last_name")).strip()
        label = body.get("email") or names or f"WHOOP member {uid}"
        return Identity(uid=str(uid), label=str(label), extra_data={"user_id": str(uid)})

    @method_decorator(sensitive_variables())
    def fetch_feed(
        self, *, access_token: str, feed: str, start: datetime, end: datetime, token: str | None
    ) -> FeedPage:
        """One page of feed's records in [start, end); token (from the last page) resumes."""
        if feed == "daily":
            return self._daily(access_token=access_token, start=start, end=end)
        if feed == "body":
            return self._body(access_token=access_token, end=end)
        path = COLLECTIONS.get(feed)
        if path is None:
            raise BadResponse(f"{self.name} has no {feed} feed in Tendon.")
        # Reference: https://developer.whoop.com/api#tag/Workout and #tag/Sleep (collections)
        body = self.api_get(
            path,
            access_token=access_token,
            params=self._window(start, end, token),
            scope=FEED_SCOPES[feed],
        )
        reading = RecordReader(kind=KINDS[feed])
        records = reading.each(READERS[feed], self._records(body))
        return FeedPage(
            records=records,
            next_token=self._next(body),
            api_calls=1,
            unreadable=reading.unreadable,
        )

    @staticmethod
    def _window(start: datetime, end: datetime, token: str | None) -> dict[str, str]:
        params = {"start": _instant(start), "end": _instant(end), "limit": str(PAGE_SIZE)}
        if token:
            params["nextToken"] = token  # camelCase, in the query
        return params

    @staticmethod
    def _next(body: dict) -> str | None:
        """The next page's token: missing, null and "" all end the collection."""
        token = body.get("next_token")
        return str(token) if token else None

    def _records(self, body: dict) -> list[dict]:
        records = body.get("records")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise BadResponse(f"{self.name} sent `records` that is not a list of records.")
        return records

    def _all_pages(self, path: str, *, access_token: str, start, end, scope: str):
        guard = PageGuard(provider_name=self.name, deadline=self.deadline)
        records, calls, token = [], 0, None
        while True:
            body = self.api_get(
                path, access_token=access_token, params=self._window(start, end, token), scope=scope
            )
            calls += 1
            records += self._records(body)
            token = guard.follow(self._next(body))
            if not token:
                return records, calls

    @method_decorator(sensitive_variables())
    def _daily(self, *, access_token: str, start: datetime, end: datetime) -> FeedPage:
        """The window's days, each from every cycle filed under it and their recoveries. A
        day's cycles may start up to 14 h (time zones) + 12 h before it: cycles are read with a
        margin and only the days of the window are returned, each whole."""
        first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
        reach = (start - DAY_MARGIN, end + DAY_MARGIN)
        # Reference: https://developer.whoop.com/api#tag/Cycle and #tag/Recovery (collections)
        cycles, cycle_calls = self._all_pages(
            "/v2/cycle",
            access_token=access_token,
            start=reach[0],
            end=reach[1],
            scope=scopes.CYCLES,
        )
        recoveries, recovery_calls = self._all_pages(
            "/v2/recovery",
            access_token=access_token,
            start=reach[0],
            end=reach[1],
            scope=scopes.RECOVERY,
        )
        by_cycle = {r.get("cycle_id"): r for r in recoveries}
        reading = RecordReader(kind="daily")
        days: dict = {}
        for cycle in cycles:
            day = reading.one(normalise.cycle_day, cycle, raw=cycle)
            if day is not None and first <= day <= last:
                days.setdefault(day, []).append(cycle)
        records = []
        for day, filed in sorted(days.items()):
            raw = {"cycles": filed}
            key = day.isoformat()
            read = reading.one(normalise.daily, day, filed, by_cycle, raw=raw, key=key)
            records += read or []
        return FeedPage(
            records=records,
            next_token=None,
            api_calls=cycle_calls + recovery_calls,
            unreadable=reading.unreadable,
        )

    @method_decorator(sensitive_variables())
    def _body(self, *, access_token: str, end: datetime) -> FeedPage:
        """The current body measurement, read once per import (in the window that reaches now);
        a member without one gets 404, which is nothing to import."""
        now = timezone.now()
        if end < now - LATEST:
            return FeedPage(records=[], next_token=None, api_calls=0)
        # Reference: https://developer.whoop.com/api#tag/User/operation/getBodyMeasurement
        body = self.api_get(
            "/v2/user/measurement/body",
            access_token=access_token,
            scope=scopes.BODY,
            missing_ok=True,
        )
        if body is None:
            return FeedPage(records=[], next_token=None, api_calls=1)
        reading = RecordReader(kind="body")
        record = reading.one(normalise.body, body, seen_at=now, raw=body)
        return FeedPage(
            records=[record] if record else [],
            next_token=None,
            api_calls=1,
            unreadable=reading.unreadable,
        )

    def _remember(self, response: requests.Response, *args, **kwargs) -> None:
        self._last_response = response  # a 429's headers, which send() does not pass on

    @method_decorator(sensitive_variables())
    def api_get(
        self,
        path: str,
        *,
        access_token: str,
        params: dict | None = None,
        scope: str = "",
        missing_ok: bool = False,
    ) -> dict | None:
        """The JSON object at path (None for a 404 when missing_ok); raises AccessRejected (401),
        AccountInactive, ScopeMissing or ProviderRefused (403), RateLimited app-wide (429),
        BadResponse; ProviderUnavailable comes from send."""
        try:
            response = send(
                self.session,
                "GET",
                f"{self.config.api_url.rstrip('/')}{path}",
                provider_name=self.name,
                headers={"Authorization": f"Bearer {access_token}"},
                params=params,
                hooks={"response": self._remember},
            )
        except RateLimited as error:
            raise RateLimited(
                f"{self.name} says Tendon's application-wide allowance is used up.",
                retry_at=self._reset_at(self._last_response) or error.retry_at,
                app_wide=True,
            ) from error
        budget = Budget.from_headers(response.headers)
        if budget is not None:  # WHOOP's figures are the application's, not this account's
            self.budget = replace(budget, app_wide=True)
        if response.status_code == 401:
            raise AccessRejected(f"{self.name} no longer accepts our access token.")
        if response.status_code == 403:
            raise self._forbidden(response, scope=scope)
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code != 200:
            raise BadResponse(f"{self.name} answered {response.status_code} to {path}.")
        return json_object(response, provider_name=self.name)

    @staticmethod
    def _reset_at(response: requests.Response | None) -> datetime | None:
        """When WHOOP's nearest window resets: X-RateLimit-Reset, in seconds from now."""
        value = response.headers.get("X-RateLimit-Reset", "") if response is not None else ""
        try:
            seconds = float(value)
        except ValueError:
            return None
        return timezone.now() + timedelta(seconds=max(1.0, min(seconds, 86_400)))

    def _forbidden(self, response: requests.Response, *, scope: str) -> Exception:
        """WHOOP documents 403 only for an inactive membership ({"error": "deactivated_user"});
        RFC 6750's insufficient_scope stops one feed; anything else is retried, never read as
        the person's doing."""
        try:
            error = str((response.json() or {}).get("error") or "")
        except (ValueError, AttributeError):
            error = ""
        if error == "deactivated_user":
            return AccountInactive(f"{self.name} says this membership is not active (403).")
        challenge = response.headers.get("WWW-Authenticate", "")
        if error == "insufficient_scope" or "insufficient_scope" in challenge:
            return ScopeMissing(f"{self.name} says a permission is missing.", scope=scope)
        return ProviderRefused(f"{self.name} refused the request (403: {error or 'no reason'}).")

    @method_decorator(sensitive_variables())
    def revoke(self, *, access_token: str, refresh_token: str, account_uid: str) -> None:
        """Ask WHOOP to end our access (it then stops sending this member's webhooks). WHOOP's
        access tokens last an hour: an expired one is renewed first with the refresh token."""
        if self._revoke(access_token):
            return
        if not refresh_token:
            raise GrantRevoked(f"{self.name} no longer accepts the access token; none to renew.")
        fresh = self.refresh(refresh_token=refresh_token)  # GrantRevoked: the grant is gone
        if not self._revoke(fresh.access_token):
            raise GrantRevoked(f"{self.name} refused the renewed access token too.")

    @method_decorator(sensitive_variables())
    def _revoke(self, access_token: str) -> bool:
        """True once WHOOP answered 204; False when it refused the token (401)."""
        # Reference: https://developer.whoop.com/api#tag/User/operation/revokeUserOAuthAccess
        response = send(
            self.session,
            "DELETE",
            f"{self.config.api_url.rstrip('/')}/v2/user/access",
            provider_name=self.name,
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if 200 <= response.status_code < 300:
            return True
        if response.status_code == 401:
            return False
        raise BadResponse(f"{self.name} answered {response.status_code} to the revocation.")
