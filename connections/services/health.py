"""Counting connection health for the support console, in the worker, so that the dashboard
only reads a few small rows however many connections there are (README, "Support staff")."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, CharField, Count, IntegerField, Q, Value, When
from django.db.models.functions import TruncHour
from django.utils import timezone

from connections.models import Connection, Credential, ImportRun, RunTally, StatusSnapshot
from connections.selectors import NOT_WORKING, STATUSES, status_q

ATTENTION = 50  # connections listed under "Failing now"
KEEP_TALLIES = timedelta(days=14)
KEEP_SNAPSHOTS = timedelta(days=400)
RECOUNT = timedelta(hours=2)  # hours of runs counted again each time (runs finish late)
CATCH_UP = timedelta(hours=48)  # the most a first count, or one after a pause, reaches back


def _status_case() -> Case:
    return Case(
        *[When(status_q(code), then=Value(code)) for code, _label, _tone in STATUSES],
        default=Value("needs_reauth"),
        output_field=CharField(),
    )


def _retrying() -> Q:
    """Failing now, though not yet for long enough to show as Error."""
    return Q(failing_since__isnull=False) & (status_q("connected") | status_q("paused"))


def _attention() -> list[list]:
    """The connections that are not working, worst first, then the longest failing, each as
    [id, status code] ("retrying" for a failing one not yet shown as Error)."""
    codes = [*NOT_WORKING, "retrying"]
    rank = Case(
        *[When(status_q(code), then=Value(i)) for i, code in enumerate(NOT_WORKING)],
        default=Value(len(NOT_WORKING)),
        output_field=IntegerField(),
    )
    broken = Q()
    for code in NOT_WORKING:
        broken |= status_q(code)
    rows = (
        Connection.objects.filter(broken | _retrying())
        .annotate(rank=rank)
        .order_by("rank", "failing_since", "id")
        .values_list("id", "rank")[:ATTENTION]
    )
    return [[pk, codes[rank]] for pk, rank in rows]


def health_snapshot_take(*, now: datetime | None = None) -> StatusSnapshot:
    """Today's snapshot, counted again now: connections by provider and status, the first of
    those not working, and the tokens that expire within the hour."""
    now = now or timezone.now()
    counts: dict[str, dict[str, int]] = {}
    rows = (
        Connection.objects.annotate(
            code=_status_case(),
            retrying=Case(When(_retrying(), then=Value(1)), default=Value(0)),
        )
        .values_list("provider", "code", "retrying")
        .annotate(n=Count("id"))
        .order_by()
    )
    for provider, code, retrying, n in rows:
        by_status = counts.setdefault(provider, {})
        by_status[code] = by_status.get(code, 0) + n
        if retrying:
            by_status["retrying"] = by_status.get("retrying", 0) + n
    expiring = Credential.objects.filter(
        status=Credential.Status.ACTIVE, expires_at__lte=now + timedelta(hours=1)
    ).count()
    snapshot, _ = StatusSnapshot.objects.update_or_create(
        day=timezone.localdate(now),
        defaults={
            "taken_at": now,
            "counts": counts,
            "attention": _attention(),
            "expiring": expiring,
        },
    )
    StatusSnapshot.objects.filter(day__lt=timezone.localdate(now) - KEEP_SNAPSHOTS).delete()
    return snapshot


def run_tallies_refresh(*, now: datetime | None = None) -> int:
    """Counts again the import runs that finished since the last hour counted (at least the
    last two hours, at most two days), by hour, outcome and error; returns how many."""
    now = now or timezone.now()
    # From the last hour counted (so a worker that was down catches up), at most two days back.
    last = RunTally.objects.order_by("-hour").values_list("hour", flat=True).first()
    since = max(min(last or now - CATCH_UP, now - RECOUNT), now - CATCH_UP)
    since = since.replace(minute=0, second=0, microsecond=0)
    finished = (
        ImportRun.objects.filter(finished_at__gte=since)
        .annotate(hour=TruncHour("finished_at"))
        .values_list("hour", "outcome", "error_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    tallies = [RunTally(hour=h, outcome=o, error_code=e, count=n) for h, o, e, n in finished]
    with transaction.atomic():
        RunTally.objects.filter(hour__gte=since).delete()
        RunTally.objects.bulk_create(tallies)
        RunTally.objects.filter(hour__lt=now - KEEP_TALLIES).delete()
    return sum(t.count for t in tallies)


def health_refresh(*, now: datetime | None = None) -> StatusSnapshot:
    """Both counts, as the scheduled task runs them."""
    now = now or timezone.now()
    run_tallies_refresh(now=now)
    return health_snapshot_take(now=now)
