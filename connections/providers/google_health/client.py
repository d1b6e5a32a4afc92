"""Google Health API v4 and Google OAuth 2.0.

Endpoint paths and response shapes follow the discovery document health.v4.json shipped in
google-api-python-client (googleapiclient/discovery_cache/documents/).
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables

from connections.providers.base import (
    AccessRejected,
    BadResponse,
    Budget,
    FeedPage,
    Identity,
    PageGuard,
    ProviderRefused,
    RateLimited,
    RecordData,
    ScopeMissing,
    TokenSet,
    json_object,
    retry_after,
    send,
)
from connections.providers.google_health import normalise
from connections.providers.oauth2 import OAuth2TokenClient
from connections.providers.reading import RecordReader

# google.rpc.ErrorInfo reasons of a 403 (and the older errors[].reason spellings).
SCOPE_REASONS = {"ACCESS_TOKEN_SCOPE_INSUFFICIENT", "insufficientPermissions"}
QUOTA_REASONS = {
    "RATE_LIMIT_EXCEEDED",
    "RESOURCE_EXHAUSTED",
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "quotaExceeded",
}

# Which v4 data types feed which Tendon feed.
FEED_DATA_TYPES = {
    "activities": ("exercise",),
    "sleep": ("sleep",),
    "body": ("weight", "body-fat"),
    "heart_rate": ("daily-resting-heart-rate",),
}
DAILY_ROLLUPS = ("steps", "distance", "total-calories", "active-minutes")
# health.v4.json, dataPoints.list pageSize: exercise and sleep at most 25 a page.
PAGE_SIZE = {"exercise": 25, "sleep": 25}
DEFAULT_PAGE_SIZE = 1000


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _filter(data_type: str, start: datetime, end: datetime) -> str:
    """The AIP-160 filter of dataPoints.list for [start, end), per the data type's record kind."""
    name = data_type.replace("-", "_")
    if data_type == "exercise":  # sessions filter on civil start time only
        field, low, high = (
            "interval.civil_start_time",
            f"{start:%Y-%m-%dT%H:%M:%S}",
            f"{end:%Y-%m-%dT%H:%M:%S}",
        )
    elif data_type == "sleep":  # sleep filters on its end time
        field, low, high = "interval.end_time", _rfc3339(start), _rfc3339(end)
    elif data_type.startswith("daily-"):
        field, low, high = "date", f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"
    else:  # samples
        field, low, high = "sample_time.physical_time", _rfc3339(start), _rfc3339(end)
    return f'{name}.{field} >= "{low}" AND {name}.{field} < "{high}"'


def _civil(day: date) -> dict:
    return {"date": {"year": day.year, "month": day.month, "day": day.day}}


def _encode(index: int, page_token: str | None) -> str:
    return base64.urlsafe_b64encode(json.dumps([index, page_token]).encode()).decode()


def _decode(token: str | None) -> tuple[int, str | None]:
    if not token:
        return 0, None
    try:
        index, page_token = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(index), page_token
    except (ValueError, TypeError):
        return 0, None


class GoogleHealthClient(OAuth2TokenClient):
    """Tokens from Google OAuth 2.0; data from the Google Health API v4."""

    # Google refresh tokens usually do not rotate: a refresh that returns none keeps the old one.

    @method_decorator(sensitive_variables())
    def identity(self, tokens: TokenSet) -> Identity:
        """Who granted these tokens: the healthUserId, shown by e-mail when Google gave one."""
        # Reference: https://developers.google.com/health/reference/rest/v4/users/getIdentity
        body = self.api_get("/v4/users/me/identity", access_token=tokens.access_token)
        uid = body.get("healthUserId")
        if not isinstance(uid, str) or not uid:
            raise BadResponse(f"{self.name} did not say which account this is (no healthUserId).")
        label = tokens.claims.get("email") or self.account_label(tokens, uid)
        return Identity(uid=uid, label=str(label), extra_data={"healthUserId": uid})

    def account_label(self, tokens: TokenSet, uid: str) -> str:
        return f"Google Health user {uid}"

    def revocation_data(self, token: str) -> dict[str, str]:
        return {"token": token}

    budget: Budget | None = None

    @method_decorator(sensitive_variables())
    def fetch_feed(
        self, *, access_token: str, feed: str, start: datetime, end: datetime, token: str | None
    ) -> FeedPage:
        """One page of feed's records in [start, end); token (from the last page) resumes."""
        if feed == "daily":
            return self._daily(access_token=access_token, start=start, end=end)
        data_types = FEED_DATA_TYPES[feed]
        index, page_token = _decode(token)
        index = min(index, len(data_types) - 1)
        data_type = data_types[index]
        # Reference: https://developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints/list
        params = {
            "filter": _filter(data_type, start, end),
            "pageSize": PAGE_SIZE.get(data_type, DEFAULT_PAGE_SIZE),
        }
        if page_token:
            params["pageToken"] = page_token
        body = self.api_get(
            f"/v4/users/me/dataTypes/{data_type}/dataPoints",
            access_token=access_token,
            params=params,
        )
        points = body.get("dataPoints", [])
        if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
            raise BadResponse(f"{self.name} sent dataPoints that are not a list of objects.")
        reading = RecordReader(kind=normalise.KIND[data_type], id_field="name")
        records = reading.each(normalise.DATA_POINT[data_type], points)
        if body.get("nextPageToken"):
            next_token = _encode(index, str(body["nextPageToken"]))
        elif index + 1 < len(data_types):
            next_token = _encode(index + 1, None)
        else:
            next_token = None
        return FeedPage(
            records=records, next_token=next_token, api_calls=1, unreadable=reading.unreadable
        )

    @method_decorator(sensitive_variables())
    def _daily(self, *, access_token: str, start: datetime, end: datetime) -> FeedPage:
        """Every daily roll-up for the civil days the window touches, merged into one row a day."""
        first, last = start.date(), end.date() + timedelta(days=1)
        days: dict[date, dict] = {}
        raw: dict[date, dict] = {}
        calls = 0
        reading = RecordReader(kind="daily")
        for data_type in DAILY_ROLLUPS:
            page_token = None
            guard = PageGuard(provider_name=self.name, deadline=self.deadline)
            while True:
                # Reference: https://developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints/dailyRollUp
                request = {
                    "range": {"start": _civil(first), "end": _civil(last)},
                    "windowSizeDays": 1,
                    "pageSize": 100,
                }
                if page_token:
                    request["pageToken"] = page_token
                body = self.api_post(
                    f"/v4/users/me/dataTypes/{data_type}/dataPoints:dailyRollUp",
                    access_token=access_token,
                    json_body=request,
                )
                calls += 1
                for point in self._rollup_points(body):
                    day = reading.one(normalise.rollup_day, point, raw=point)
                    if day is None:
                        continue
                    # Set aside as "<day> <data type>": the day's other sums are still stored.
                    values = reading.one(
                        normalise.rollup_values,
                        data_type,
                        point,
                        raw=point,
                        key=f"{day} {data_type}",
                    )
                    if values is None:
                        continue
                    days.setdefault(day, {"date": day}).update(values)
                    raw.setdefault(day, {})[data_type] = point
                page_token = guard.follow(body.get("nextPageToken"))
                if not page_token:
                    break
        records = [
            RecordData(
                kind="daily",
                key=day.isoformat(),
                values={
                    "steps": None,
                    "calories": None,
                    "distance_m": None,
                    "active_minutes": None,
                    **values,
                },
                raw=raw[day],
            )
            for day, values in sorted(days.items())
        ]
        return FeedPage(
            records=records, next_token=None, api_calls=calls, unreadable=reading.unreadable
        )

    def _rollup_points(self, body: dict) -> list[dict]:
        points = body.get("rollupDataPoints") or []
        if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
            raise BadResponse(f"{self.name} sent rollupDataPoints that are not a list of objects.")
        return points

    @method_decorator(sensitive_variables())
    def api_post(self, path: str, *, access_token: str, json_body: dict) -> dict:
        return self.api_get(path, access_token=access_token, method="POST", json_body=json_body)

    @method_decorator(sensitive_variables())
    def api_get(
        self,
        path: str,
        *,
        access_token: str,
        params: dict | None = None,
        method: str = "GET",
        json_body: dict | None = None,
    ) -> dict:
        """The JSON object at path; raises GrantRevoked (401), ScopeMissing (403), BadResponse."""
        response = send(
            self.session,
            method,
            f"{self.config.api_url.rstrip('/')}{path}",
            provider_name=self.name,
            headers={"Authorization": f"Bearer {access_token}"},
            params=params,
            json=json_body,
        )
        self.budget = Budget.from_headers(response.headers) or self.budget
        if response.status_code == 401:
            raise AccessRejected(f"{self.name} no longer accepts our access token.")
        if response.status_code == 403:
            raise self._forbidden(response)
        if response.status_code != 200:
            raise BadResponse(f"{self.name} answered {response.status_code} to {path}.")
        return json_object(response, provider_name=self.name)

    def _forbidden(self, response) -> Exception:
        """What a 403 means, read from google.rpc.ErrorInfo: a missing scope stops one feed; a
        quota is a pause; anything else (the API switched off in the operator's project, a
        suspended client) is the operator's to fix and is retried, never read as the person's.
        Reference: https://cloud.google.com/apis/design/errors#error_info"""
        try:
            error = response.json().get("error") or {}
            details = error.get("details") or []
            reasons = {str(d.get("reason")) for d in details if isinstance(d, dict)}
            reasons |= {
                str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)
            }
            message = str(error.get("message") or "")
        except (ValueError, AttributeError, TypeError):
            reasons, message = set(), ""
        if reasons & SCOPE_REASONS or "insufficient authentication scopes" in message:
            return ScopeMissing(f"{self.name} refused: a permission is missing.", scope="")
        if reasons & QUOTA_REASONS:
            return RateLimited(
                f"{self.name} says a quota is used up.", retry_at=retry_after(response)
            )
        reason = ", ".join(sorted(reasons)) or "no reason given"
        return ProviderRefused(f"{self.name} refused the request (403: {reason}). {message[:200]}")

    @method_decorator(sensitive_variables())
    def revoke(self, *, access_token: str, refresh_token: str, account_uid: str) -> None:
        """Ask Google to end the grant (revoking either token ends the whole grant)."""
        # Reference: https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
        response = send(
            self.session,
            "POST",
            self.config.revoke_url,
            provider_name=self.name,
            data=self.revocation_data(refresh_token or access_token),
        )
        # 400 means the token was already invalid: the grant is gone either way.
        if response.status_code not in (200, 400):
            raise BadResponse(f"{self.name} answered {response.status_code} to the revocation.")
