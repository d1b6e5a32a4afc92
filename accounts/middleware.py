"""Times on pages in the reader's own time zone, which their browser reports in a cookie."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

TIME_ZONE_COOKIE = "tz"  # set by static/js/timezone.js


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None  # a stale or tampered cookie: the server's TIME_ZONE it is


class BrowserTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = _zone(request.COOKIES.get(TIME_ZONE_COOKIE, ""))
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        # The zone this page is drawn in: static/js/timezone.js reloads once when it is not
        # the reader's, so a new or changed zone shows on the first page, not the second.
        request.time_zone_name = zone.key if zone else settings.TIME_ZONE
        return self.get_response(request)
