"""Oura API v2 and Oura's OAuth 2.0.

Reference: https://cloud.ouraring.com/v2/docs (OpenAPI document v1.37) and
https://cloud.ouraring.com/docs/authentication. Tokens: the client id and secret go in the token
request's body; every refresh returns a new refresh token and the old one is dead at once
("single-use"), so the one token door stores the new pair in the refresh's transaction. The
token answer does not list the granted scopes: the callback's `scope` parameter does.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, time, timedelta

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
    ScopeMissing,
    TokenSet,
    json_object,
    send,
)
from connections.providers.oauth2 import OAuth2TokenClient
from connections.providers.oura import normalise, scopes
from connections.providers.oura.subscriptions import WebhookSubscriptions
from connections.providers.reading import RecordReader

COLLECTIONS = {"activities": "workout", "sleep": "sleep"}  # paged through the import loop
FEED_SCOPES = {"activities": scopes.WORKOUT, "sleep": scopes.DAILY, "daily": scopes.DAILY}
# Oura documents no maximum window; Tendon keeps heart rate requests to 30 days anyway (cheap,
# and what other clients do), and pages of other collections follow next_token.
HEART_RATE_SPAN = timedelta(days=30)
MAX_HEART_RATE_PAGES = 200  # 5-minute samples: 30 days is 8,640 of them, page size undocumented


def _token(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _untoken(token: str | None) -> dict:
    if not token:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)


class OuraClient(WebhookSubscriptions, OAuth2TokenClient):
    """Tokens from Oura's OAuth 2.0; data from the Oura API v2 usercollection routes."""

    budget: Budget | None = None

    @method_decorator(sensitive_variables())
    def identity(self, tokens: TokenSet) -> Identity:
        """The Oura account: personal_info's `id` (readable with any token), shown by e-mail."""
        # Reference: https://cloud.ouraring.com/v2/docs#tag/Personal-Info-Routes
        body = self.api_get("/v2/usercollection/personal_info", access_token=tokens.access_token)
        uid = body.get("id")
        if not isinstance(uid, str) or not uid:
            raise BadResponse(f"{self.name} did not say which account this is (no id).")
        label = body.get("email") or f"Oura account {uid[:8]}"
        return Identity(uid=uid, label=str(label), extra_data={"id": uid})

    @method_decorator(sensitive_variables())
    def fetch_feed(
        self, *, access_token: str, feed: str, start: datetime, end: datetime, token: str | None
    ) -> FeedPage:
        """One page of feed's records in [start, end); token (from the last page) resumes."""
        if feed == "daily":
            return self._daily(access_token=access_token, start=start, end=end)
        if feed == "heart_rate":
            return self._heart_rate(access_token=access_token, start=start, end=end, token=token)
        collection = COLLECTIONS.get(feed)
        if collection is None:
            raise BadResponse(f"{self.name} has no {feed} feed in Tendon.")
        # Reference: https://cloud.ouraring.com/v2/docs#tag/Sleep-Routes and #tag/Workout-Routes
        body = self.api_get(
            f"/v2/usercollection/{collection}",
            access_token=access_token,
            params=self._days(start, end, token),
            scope=FEED_SCOPES[feed],
        )
        reader = normalise.workout if feed == "activities" else normalise.sleep
        reading = RecordReader(kind="activity" if feed == "activities" else "sleep")
        records = reading.each(reader, self._documents(body))
        next_token = body.get("next_token")
        return FeedPage(
            records=records,
            next_token=str(next_token) if next_token else None,
            api_calls=1,
            unreadable=reading.unreadable,
        )

    @staticmethod
    def _days(start: datetime, end: datetime, token: str | None) -> dict[str, str]:
        # Dates are the person's local days; a date-only end_date has been seen to leave out
        # that day, so the window reaches one day further (the overlap rule re-reads anyway).
        params = {
            "start_date": f"{start:%Y-%m-%d}",
            "end_date": f"{end + timedelta(days=1):%Y-%m-%d}",
        }
        if token:
            params["next_token"] = token
        return params

    def _documents(self, body: dict) -> list[dict]:
        documents = body.get("data")
        if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
            raise BadResponse(f"{self.name} sent `data` that is not a list of documents.")
        return documents

    def _all_pages(self, path: str, *, access_token: str, params: dict, scope: str, limit=None):
        """Every document of a collection for these parameters, and the calls it took."""
        guard = PageGuard(
            provider_name=self.name, deadline=self.deadline, **({"limit": limit} if limit else {})
        )
        documents, calls, next_token = [], 0, None
        while True:
            query = {**params, **({"next_token": next_token} if next_token else {})}
            body = self.api_get(path, access_token=access_token, params=query, scope=scope)
            calls += 1
            documents += self._documents(body)
            next_token = guard.follow(body.get("next_token"))
            if not next_token:
                return documents, calls

    @method_decorator(sensitive_variables())
    def _daily(self, *, access_token: str, start: datetime, end: datetime) -> FeedPage:
        """The days of the window, each merged from Oura's three daily documents."""
        days: dict = {}
        calls = 0
        reading = RecordReader(kind="daily")
        for collection in normalise.DAILY_COLLECTIONS:
            # Reference: https://cloud.ouraring.com/v2/docs#tag/Daily-Activity-Routes (and
            # #tag/Daily-Sleep-Routes, #tag/Daily-Readiness-Routes)
            documents, used = self._all_pages(
                f"/v2/usercollection/{collection}",
                access_token=access_token,
                params=self._days(start, end, None),
                scope=scopes.DAILY,
            )
            calls += used
            for document in documents:
                day = reading.one(normalise.day_of, document, raw=document)
                if day is not None:
                    days.setdefault(day, {})[collection] = document
        records = [
            reading.one(normalise.daily, day, parts, raw=parts, key=day.isoformat())
            for day, parts in sorted(days.items())
        ]
        return FeedPage(
            records=[r for r in records if r is not None],
            next_token=None,
            api_calls=calls,
            unreadable=reading.unreadable,
        )

    @method_decorator(sensitive_variables())
    def _heart_rate(
        self, *, access_token: str, start: datetime, end: datetime, token: str | None
    ) -> FeedPage:
        """Whole UTC days of 5-minute samples (a day is never split between two requests, so
        its lowest value is its own), at most 30 days a request; token carries on the rest."""
        try:
            first = datetime.fromisoformat(str(_untoken(token)["from"]))
        except (KeyError, ValueError):
            first = _midnight(start)
        last = _midnight(end) + timedelta(days=1)
        until = min(last, first + HEART_RATE_SPAN)
        # Reference: https://cloud.ouraring.com/v2/docs#tag/Heart-Rate-Routes
        samples, calls = self._all_pages(
            "/v2/usercollection/heartrate",
            access_token=access_token,
            params={"start_datetime": first.isoformat(), "end_datetime": until.isoformat()},
            scope=scopes.HEARTRATE,
            limit=MAX_HEART_RATE_PAGES,
        )
        reading = RecordReader(kind="heart_rate", id_field="timestamp")
        records = normalise.resting_heart_rates(
            reading.each(normalise.asleep_sample, samples),
            first=first.date(),
            last=(until - timedelta(days=1)).date(),
        )
        next_token = _token({"from": until.isoformat()}) if until < last else None
        return FeedPage(
            records=records, next_token=next_token, api_calls=calls, unreadable=reading.unreadable
        )

    @method_decorator(sensitive_variables())
    def api_get(
        self, path: str, *, access_token: str, params: dict | None = None, scope: str = ""
    ) -> dict:
        """The JSON object at path; raises AccessRejected (401), ScopeMissing or AccountInactive
        (403), BadResponse; RateLimited (429, Retry-After) and ProviderUnavailable from send."""
        response = send(
            self.session,
            "GET",
            f"{self.config.api_url.rstrip('/')}{path}",
            provider_name=self.name,
            headers={"Authorization": f"Bearer {access_token}"},
            params=params,
        )
        self.budget = Budget.from_headers(response.headers) or self.budget
        if response.status_code == 401:
            raise AccessRejected(f"{self.name} no longer accepts our access token.")
        if response.status_code == 403:
            raise self._forbidden(response, scope=scope)
        if response.status_code != 200:
            raise BadResponse(f"{self.name} answered {response.status_code} to {path}.")
        return json_object(response, provider_name=self.name)

    def _forbidden(self, response, *, scope: str) -> Exception:
        """What a 403 means. Oura: "requires additional permissions or the user's Oura
        subscription has expired". A scope the grant lacks never gets this far (the feed shows
        Permission missing without a call); so a 403 is a lapsed membership, unless Oura's own
        answer says a scope is missing ("Missing Scopes"), in which case that feed only stops.
        Never a revoked grant. Reference: https://cloud.ouraring.com/v2/docs (Authentication
        Troubleshooting) and https://cloud.ouraring.com/docs/error-handling"""
        try:
            body = response.json()
        except ValueError:
            body = {}
        text = (
            " ".join(str(body.get(k) or "") for k in ("title", "detail", "error"))
            if isinstance(body, dict)
            else ""
        )
        if "scope" in text.lower():
            return ScopeMissing(
                f"{self.name} says a permission is missing ({text[:200]}).", scope=scope
            )
        return AccountInactive(
            f"{self.name} refused the data (403): the Oura membership looks lapsed. {text[:200]}"
        )

    @method_decorator(sensitive_variables())
    def revoke(self, *, access_token: str, refresh_token: str, account_uid: str) -> None:
        """Ask Oura to revoke our access. An access token that has expired meanwhile is renewed
        with the refresh token first (the grant itself is what must end)."""
        if self._revoke(access_token):
            return
        if not refresh_token:
            raise GrantRevoked(f"{self.name} no longer accepts the access token; none to renew.")
        fresh = self.refresh(refresh_token=refresh_token)  # GrantRevoked: the grant is gone
        if not self._revoke(fresh.access_token):
            raise GrantRevoked(f"{self.name} refused the renewed access token too.")

    @method_decorator(sensitive_variables())
    def _revoke(self, access_token: str) -> bool:
        """True once Oura answered 2xx; False when it refused the token (401/400)."""
        # Reference: https://cloud.ouraring.com/docs/authentication ("Revoking The Access
        # Token": /oauth/revoke?access_token=...). The method is not documented: POST, as
        # other clients do, and GET when Oura answers 405 to it.
        params = {"access_token": access_token}
        response = send(
            self.session, "POST", self.config.revoke_url, provider_name=self.name, params=params
        )
        if response.status_code == 405:
            response = send(
                self.session, "GET", self.config.revoke_url, provider_name=self.name, params=params
            )
        if 200 <= response.status_code < 300:
            return True
        if response.status_code in (400, 401):
            return False
        raise BadResponse(f"{self.name} answered {response.status_code} to the revocation.")
