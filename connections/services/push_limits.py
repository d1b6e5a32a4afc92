"""How much work unsigned push may cause (DESIGN.md rule 5: an unverifiable push only makes
work happen earlier; these limits keep it from making much more of it).

Anyone can send what an unsigned provider sends: Strava's events name an athlete id, which is
public, and Withings' notifications a user id. Each hint is only a hint, but each import it
starts spends the provider's allowance, and some allowances are the whole application's
(Strava: 100 reads a quarter hour, 1,000 a day): forged events could pause every person's
imports. So, for unsigned hints only:

- one connection imports at most once per UNSIGNED_PUSH_GAP_SECONDS: a hint that comes sooner
  after the last import started is coalesced into one follow-up once the gap is up (a real new
  workout still arrives within minutes);
- across every account of a provider, unsigned hints start at most
  UNSIGNED_PUSH_RUNS_PER_MINUTE imports a minute, and at most a tenth of each allowance the
  provider declares for the whole application (`ProviderSpec.app_call_budgets`) per window
  (an import costs at least one call, most two or three). Beyond that a hint changes nothing:
  polling finds the data.

The counters live in the shared cache, like the rest of pacing: losing them lets a few more
imports through, nothing worse.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache

from connections.models import Connection
from connections.providers.catalog import ProviderSpec
from connections.services.pacing import shared_count, window_bounds

KEY = "tendon:push-unsigned:{provider}:{limit}:{window}:{start}"
BUDGET_SHARE = 10  # unsigned hints start at most 1/10 of a declared allowance in imports


def unsigned_run_start(*, connection: Connection, now: datetime) -> datetime:
    """When an unsigned hint may start an import of connection: now, or the end of the gap
    after its last import started."""
    if connection.last_attempt_at is None:
        return now
    gap = timedelta(seconds=settings.UNSIGNED_PUSH_GAP_SECONDS)
    return max(now, connection.last_attempt_at + gap)


def unsigned_run_allowed(*, spec: ProviderSpec, now: datetime) -> bool:
    """Whether unsigned hints may start one more import of the provider now; counts it if so."""
    limits = [("minute", settings.UNSIGNED_PUSH_RUNS_PER_MINUTE)] + [
        (budget.window, max(1, budget.limit // BUDGET_SHARE)) for budget in spec.app_call_budgets
    ]
    counters = []
    for number, (window, limit) in enumerate(limits):
        start, end = window_bounds(window, now)
        key = KEY.format(provider=spec.id, limit=number, window=window, start=start.isoformat())
        if cache.get(key, 0) >= limit:
            return False
        counters.append((key, int((end - now).total_seconds()) + 60))
    for key, timeout in counters:
        shared_count(key, 1, timeout=timeout)
    return True
