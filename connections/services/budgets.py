"""How long one task may work: derived from django-q2's Q_TIMEOUT, after which it is killed."""

from __future__ import annotations

import math

from django.conf import settings

from connections.providers.base import TIMEOUT as HTTP_TIMEOUT

LEAST_WORK = 10.0  # seconds of work every task gets, however short Q_TIMEOUT is
MARGIN = 10.0  # seconds between a task's last request ending and django-q2 killing it


def run_time_budget() -> float:
    """Seconds a task may go on starting provider requests. The last one (a token refresh and a
    request, each up to the HTTP timeout) must still end before django-q2 kills the task."""
    return max(LEAST_WORK, settings.Q_CLUSTER["timeout"] - 2 * sum(HTTP_TIMEOUT) - MARGIN)


def run_time_limit() -> float:
    """Seconds after which none of a task's provider requests may still be waiting: its budget
    and the two requests it leaves room for. A task that makes more (ending push subscriptions
    before revoking) stops there, short of Q_TIMEOUT."""
    return run_time_budget() + 2 * sum(HTTP_TIMEOUT)


def q_timeout_minimum() -> int:
    """The shortest Q_TIMEOUT (seconds) under which a task's least work, its last two requests
    and the margin all end before django-q2 kills it (checked at start, connections.E009)."""
    return math.ceil(LEAST_WORK + 2 * sum(HTTP_TIMEOUT) + MARGIN)
