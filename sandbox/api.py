"""The demo provider's data API: the Google Health API v4 endpoints Tendon uses, same shapes.

Reference for every path, parameter and shape: health.v4.json (users.getIdentity,
users.dataTypes.dataPoints.list, users.dataTypes.dataPoints.dailyRollUp). Errors use Google's
JSON error shape.
"""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider.oauth2_backends import get_oauthlib_core

from connections.providers.google_health import scopes
from sandbox import changes, data
from sandbox.identity import health_user_id

SCOPE_FOR_TYPE = {
    "exercise": scopes.ACTIVITY,
    "steps": scopes.ACTIVITY,
    "distance": scopes.ACTIVITY,
    "total-calories": scopes.ACTIVITY,
    "active-minutes": scopes.ACTIVITY,
    "sleep": scopes.SLEEP,
    "weight": scopes.HEALTH_METRICS,
    "body-fat": scopes.HEALTH_METRICS,
    "daily-resting-heart-rate": scopes.HEALTH_METRICS,
}
TIME_FIELD = {
    "exercise": "interval.start_time",
    "sleep": "interval.start_time",
    "steps": "interval.start_time",
    "weight": "sample_time.physical_time",
    "body-fat": "sample_time.physical_time",
    "daily-resting-heart-rate": "date",
}
SESSION_TYPES = {"exercise", "sleep"}  # page size at most 25
CLAUSE = re.compile(r'([a-z_]+)\.([a-z_.]+)\s*(>=|<)\s*"([^"]+)"')


def _error(status: int, code: str, message: str, reason: str = "") -> JsonResponse:
    error = {"code": status, "message": message, "status": code}
    if reason:  # google.rpc.ErrorInfo, as Google's APIs add it
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
            }
        ]
    return JsonResponse({"error": error}, status=status)


def _authorise(request: HttpRequest, scope: str | None):
    """(person, None) for a valid bearer token holding scope, else (None, error response)."""
    if settings.SANDBOX_LATENCY_MS:
        time.sleep(settings.SANDBOX_LATENCY_MS / 1000)
    core = get_oauthlib_core()
    valid, oauth_request = core.verify_request(request, scopes=[])
    if not valid:
        return None, _error(
            401, "UNAUTHENTICATED", "Request had invalid authentication credentials."
        )
    if scope and scope not in oauth_request.access_token.scope.split():
        return None, _error(
            403,
            "PERMISSION_DENIED",
            "Request had insufficient authentication scopes.",
            reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        )
    return oauth_request.access_token.user, None


@require_GET
def identity(request: HttpRequest) -> JsonResponse:
    person, error = _authorise(request, None)
    if error:
        return error
    uid = health_user_id(person)
    return JsonResponse({"name": "users/me/identity", "healthUserId": uid, "legacyUserId": ""})


@require_GET
def whoami(request: HttpRequest) -> JsonResponse:
    """Demo only: which demo account the token belongs to, so Tendon can show its e-mail."""
    person, error = _authorise(request, None)
    if error:
        return error
    return JsonResponse({"email": person.email})


def _parse_moment(value: str) -> datetime:
    value = value.rstrip("Z")
    moment = (
        datetime.fromisoformat(value)
        if "T" in value
        else datetime.fromisoformat(value + "T00:00:00")
    )
    return moment.replace(tzinfo=UTC)


def _moment_of(point: dict, field: str) -> datetime:
    body = next(v for k, v in point.items() if k not in ("name", "dataSource"))
    if field.endswith("date"):
        d = body["date"]
        return datetime(d["year"], d["month"], d["day"], tzinfo=UTC)
    if field.startswith("sample_time"):
        return _parse_moment(body["sampleTime"]["physicalTime"])
    key = "endTime" if "end_time" in field else "startTime"
    return _parse_moment(body["interval"][key])


def _matches(moment: datetime, op: str, bound: datetime) -> bool:
    return moment >= bound if op == ">=" else moment < bound


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _offset(token: str) -> int:
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
    except (ValueError, KeyError, TypeError):
        raise ValueError("bad page token") from None


@require_GET
def data_points_list(request: HttpRequest, data_type: str) -> JsonResponse:
    if data_type not in data.GENERATORS:
        return _error(404, "NOT_FOUND", f"Unknown data type {data_type}.")
    person, error = _authorise(request, SCOPE_FOR_TYPE[data_type])
    if error:
        return error
    clauses = CLAUSE.findall(request.GET.get("filter", ""))
    try:
        bounds = [(field, op, _parse_moment(value)) for _t, field, op, value in clauses]
        offset = _offset(request.GET["pageToken"]) if request.GET.get("pageToken") else 0
        page_size = int(request.GET.get("pageSize") or (25 if data_type in SESSION_TYPES else 1440))
    except ValueError:
        return _error(400, "INVALID_ARGUMENT", "Invalid filter, pageSize or pageToken.")
    page_size = max(1, min(page_size, 25 if data_type in SESSION_TYPES else 10000))
    today = timezone.now().date()
    lower = min((m for _f, op, m in bounds if op == ">="), default=None)
    upper = max((m for _f, op, m in bounds if op == "<"), default=None)
    first = (lower.date() - timedelta(days=1)) if lower else today - timedelta(days=30)
    last = min(upper.date() + timedelta(days=1), today) if upper else today
    now = timezone.now()
    points = [
        p
        for p in changes.points(person, data_type, first, last)
        if _moment_of(p, TIME_FIELD[data_type]) <= now
        and all(_matches(_moment_of(p, f), op, m) for f, op, m in bounds)
    ]
    points.reverse()  # newest first: "ordered by the interval start time in descending order"
    page = points[offset : offset + page_size]
    body: dict = {"dataPoints": page}
    if offset + page_size < len(points):
        body["nextPageToken"] = _page_token(offset + page_size)
    return JsonResponse(body)


@csrf_exempt
@require_POST
def daily_roll_up(request: HttpRequest, data_type: str) -> JsonResponse:
    if data_type not in data.ROLLUP_TYPES:
        return _error(400, "INVALID_ARGUMENT", f"{data_type} has no daily roll-up here.")
    person, error = _authorise(request, SCOPE_FOR_TYPE[data_type])
    if error:
        return error
    try:
        body = json.loads(request.body or b"{}")
        start, end = body["range"]["start"]["date"], body["range"]["end"]["date"]
        first = date(start["year"], start["month"], start["day"])
        last = date(end["year"], end["month"], end["day"])  # end is exclusive
        offset = _offset(body["pageToken"]) if body.get("pageToken") else 0
        page_size = min(int(body.get("pageSize") or 100), 1000)
    except (ValueError, KeyError, TypeError):
        return _error(400, "INVALID_ARGUMENT", "range.start and range.end dates are required.")
    uid = health_user_id(person)
    days = []
    day = max(first, data.FIRST_DAY)
    while day < last and day <= timezone.now().date():
        days.append(data.daily_rollup(uid, data_type, day))
        day += timedelta(days=1)
    page = days[offset : offset + page_size]
    answer: dict = {"rollupDataPoints": page}
    if offset + page_size < len(days):
        answer["nextPageToken"] = _page_token(offset + page_size)
    return JsonResponse(answer)
