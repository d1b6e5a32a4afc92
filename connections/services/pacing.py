"""Pacing a provider as a whole, not one person at a time.

Some providers limit the whole application, not each person: per minute and per day, per
quarter hour on the wall clock, or in allowances that grow with the number of users (each
provider's spec declares its figures). Two mechanisms keep Tendon under them:

- a provider's declared budgets (`ProviderSpec.app_call_budgets`), counted across every worker
  in the shared cache, stop an import before a window's allowance runs out;
- a provider that says its application-wide allowance is spent (a 429, or rate-limit headers
  its client reads as `Budget(app_wide=True)`) pauses every connection of that provider until
  the window resets, not only the one that asked.

A third keeps one provider from taking every worker's threads: a provider that stops answering
(requests time out or find no connection) rests, and no new import of it starts until the rest
ends (`provider_no_answer`); its connections wait for it, those of other providers do not.

The counters, the pause and the rest live in the cache (Redis in production, files on one
machine): they are pacing, not truth. Losing them costs at worst one 429, which the ordinary
back-off handles, or one more timeout.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

PAUSE_KEY = "tendon:pacing:paused:{provider}"
COUNT_KEY = "tendon:pacing:calls:{provider}:{window}:{start}"
USERS_KEY = "tendon:pacing:users:{provider}"
MARGIN = 2  # stop this many calls before an allowance runs out (requests in flight elsewhere)
REST_KEY = "tendon:pacing:rest:{provider}"
RESTS_KEY = "tendon:pacing:rests:{provider}"
NO_ANSWER_KEY = "tendon:pacing:no_answer:{provider}:{start}"
NO_ANSWERS_TO_REST = 3  # requests a provider left unanswered within a minute before it rests
REST = timedelta(minutes=1)  # the first rest; each one that follows within an hour is twice as long
LONGEST_REST = timedelta(minutes=16)

logger = logging.getLogger(__name__)


class Paused(Exception):
    """Stop now and come back at resume_at: a known budget is (nearly) used up.

    app_wide: the allowance is the whole application's, so every connection of the provider
    waits, not only this one."""

    def __init__(self, message: str, *, resume_at: datetime, app_wide: bool = False) -> None:
        super().__init__(message)
        self.resume_at = resume_at
        self.app_wide = app_wide


@dataclass(frozen=True)
class CallBudget:
    """An application-wide allowance: `limit` calls (plus `per_user` for each connected
    account) per window. Windows: "minute", "quarter_hour" (:00, :15, :30, :45 on the clock),
    "hour", "day" (midnight UTC)."""

    limit: int
    window: str
    per_user: int = 0


def window_bounds(window: str, now: datetime) -> tuple[datetime, datetime]:
    """The [start, end) of the clock window `now` falls in (UTC)."""
    now = now.astimezone(UTC)
    if window == "minute":
        start = now.replace(second=0, microsecond=0)
        return start, start + timedelta(minutes=1)
    if window == "quarter_hour":
        start = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
        return start, start + timedelta(minutes=15)
    if window == "hour":
        start = now.replace(minute=0, second=0, microsecond=0)
        return start, start + timedelta(hours=1)
    if window == "day":
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start + timedelta(days=1)
    raise ValueError(f"unknown budget window {window!r}")


def provider_paused_until(provider_id: str) -> datetime | None:
    """When the provider's application-wide pause ends, if one is on."""
    until = cache.get(PAUSE_KEY.format(provider=provider_id))
    if until is None or until <= timezone.now():
        return None
    return until


def provider_pause(*, provider_id: str, until: datetime) -> None:
    """Pauses every import of the provider until `until` (a later pause wins)."""
    current = provider_paused_until(provider_id)
    if current is not None and current >= until:
        return
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1)
    cache.set(PAUSE_KEY.format(provider=provider_id), until, timeout=seconds)


def provider_waits_until(provider_id: str) -> datetime | None:
    """Until when no new import of the provider starts: it paused the application, or rests."""
    moments = [provider_paused_until(provider_id), _resting_until(provider_id)]
    return max((m for m in moments if m is not None), default=None)


def provider_no_answer(provider_id: str) -> None:
    """Counts a request the provider left unanswered. The third within a minute makes it rest:
    a provider that has stopped answering would otherwise hold every thread that claims one of
    its imports for a whole timeout each, while other providers' imports wait. A rest that
    follows another within the hour lasts twice as long (up to 16 minutes); imports of the
    provider already under way finish (or fail) as they would have."""
    now = timezone.now()
    start, end = window_bounds("minute", now)
    key = NO_ANSWER_KEY.format(provider=provider_id, start=start.isoformat())
    if shared_count(key, 1, timeout=int((end - now).total_seconds()) + 60) < NO_ANSWERS_TO_REST:
        return
    if _resting_until(provider_id) is not None:
        return  # already resting: the requests under way as it began are not news
    rests = shared_count(RESTS_KEY.format(provider=provider_id), 1, timeout=3600)
    rest = min(REST * 2 ** (rests - 1), LONGEST_REST)
    cache.set(REST_KEY.format(provider=provider_id), now + rest, timeout=int(rest.total_seconds()))
    logger.warning(
        "%s is not answering: no new import of it starts for %d s.",
        provider_id,
        rest.total_seconds(),
    )


def _resting_until(provider_id: str) -> datetime | None:
    until = cache.get(REST_KEY.format(provider=provider_id))
    if until is None or until <= timezone.now():
        return None
    return until


def app_budget_check(spec) -> None:
    """Raises Paused (app-wide) when the provider is paused or one of its declared budgets
    has no room left in its current window."""
    until = provider_paused_until(spec.id)
    if until is not None:
        raise Paused(
            f"{spec.account_owner} asked every import to wait.", resume_at=until, app_wide=True
        )
    now = timezone.now()
    for budget in spec.app_call_budgets:
        start, end = window_bounds(budget.window, now)
        used = cache.get(_count_key(spec.id, budget, start), 0)
        if used + MARGIN >= _allowance(spec, budget):
            raise Paused(
                f"Tendon's allowance at {spec.account_owner} for this {_words(budget)} is used up.",
                resume_at=end,
                app_wide=True,
            )


def app_budget_spend(spec, calls: int) -> None:
    """Counts `calls` against every declared budget's current window."""
    if not calls:
        return
    now = timezone.now()
    for budget in spec.app_call_budgets:
        start, end = window_bounds(budget.window, now)
        timeout = int((end - now).total_seconds()) + 60
        shared_count(_count_key(spec.id, budget, start), calls, timeout=timeout)


def shared_count(key: str, n: int, *, timeout: int) -> int:
    """Adds n to a counter in the shared cache (every process sees it); the new total. The
    counter lives `timeout` seconds from its first count."""
    if cache.add(key, n, timeout=timeout):
        return n
    try:
        return cache.incr(key, n)
    except ValueError:  # expired between add and incr
        cache.set(key, n, timeout=timeout)
        return n


def _count_key(provider_id: str, budget: CallBudget, start: datetime) -> str:
    return COUNT_KEY.format(provider=provider_id, window=budget.window, start=start.isoformat())


def _allowance(spec, budget: CallBudget) -> int:
    if not budget.per_user:
        return budget.limit
    return budget.limit + budget.per_user * _connected_accounts(spec.id)


def _connected_accounts(provider_id: str) -> int:
    """How many live grants the provider has (cached for ten minutes: it changes slowly)."""
    key = USERS_KEY.format(provider=provider_id)
    count = cache.get(key)
    if count is None:
        from connections.models import Credential

        count = (
            Credential.objects.filter(provider=provider_id)
            .exclude(status=Credential.Status.REVOKED)
            .count()
        )
        cache.set(key, count, timeout=600)
    return count


def _words(budget: CallBudget) -> str:
    return {"minute": "minute", "quarter_hour": "quarter hour", "hour": "hour"}.get(
        budget.window, "day"
    )
