"""Several imports at once in one worker process: a worker mostly waits on providers.

The dispatcher claims connections exactly as before (the claim in each connection's row, one
ImportRun per claim) and hands a worker up to IMPORT_CONCURRENCY runs in one task. Each run gets
a thread of its own and, through Django, a database connection of its own, closed when the
thread ends; each run is the ordinary `import_run_execute`, so every guarantee holds as it does
for one run alone: the one token door (its row lock single-flights a refresh across threads as
across processes), the cursor moved in each page's transaction, a run delivered twice doing
nothing, and a worker killed mid-batch losing nothing (each claim lapses and is dispatched
again).

A thread that finished its run takes the next one itself for a few seconds, so threads never
idle while work waits: first a run the dispatcher queued that no worker has started yet (its
task may wait behind busy workers while its claim fills its provider's cap; a "Sync now" starts
this way within moments), else the next due connection, claimed within its provider's cap as
the dispatcher claims it. It claims a few at once, in one transaction, and leaves the others
for the task's threads that finish next (one claim's statements shared by several runs). A
thread that finds neither waits while the task's other threads are importing (their
provider's cap frees up as they finish), and ends when none is. A task's
threads number IMPORT_CONCURRENCY even when the dispatcher handed it fewer runs. Every run of
the task shares the task's time budget (budgets.py), so each ends before django-q2 kills the
task. A slow or hanging provider holds only its own runs' threads, each request for at most
the HTTP timeout: runs of other providers finish and are written without waiting for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from connections.models import Connection, ImportRun
from connections.services.budgets import run_time_budget
from connections.services.imports import import_run_execute
from connections.services.scheduling import import_claim_some, imports_dispatch_due

logger = logging.getLogger(__name__)


REFILL_SECONDS = 10.0  # a batch's threads take more due work this long, then the task ends
IDLE_POLL = 0.1  # seconds a thread waits for room under a cap while the others import…
IDLE_POLL_MAX = 1.6  # …doubling while it finds nothing
CLAIM_AHEAD = 4  # at most this many runs an idle thread claims at once, for itself and others…
HOLD_SECONDS = 0.5  # …and no more than the task's threads free up for within about this long


def import_batch_execute(*, run_ids: list[int]) -> dict[str, int]:
    """The outcomes of the batch's runs and of those its threads took on after them (as
    import_runs_execute); then the dispatcher claims what is due within the caps the batch
    freed. A thread that finished its import takes the next due one itself for a few seconds,
    so a claim never waits in the queue while a thread idles; after that the task ends, so a
    "Sync now" queued behind it starts soon."""
    outcomes = import_runs_execute(run_ids=run_ids, take_more_for=REFILL_SECONDS)
    imports_dispatch_due()
    return outcomes


def import_runs_execute(*, run_ids: list[int], take_more_for: float = 0) -> dict[str, int]:
    """How many runs ended with each outcome ("gone": the run no longer exists; "taken":
    another task's idle thread took it first), once every one of them has been executed, all
    at once. With `take_more_for` seconds (and IMPORT_CONCURRENCY above 1), each thread then
    claims and runs the next due imports (a few at a time, shared with the task's other idle
    threads: _Hopper) until that time has passed. Never raises for one run's failure."""
    started = time.monotonic()
    deadline = started + run_time_budget()  # every run of the task ends before it is killed
    more_until = started + (take_more_for if settings.IMPORT_CONCURRENCY > 1 else 0)
    runs, mine = _take_handed(run_ids)

    # Taking more work, every thread of IMPORT_CONCURRENCY runs: the ones without a run of the
    # batch start by claiming one.
    slots = max(len(runs), settings.IMPORT_CONCURRENCY if more_until > started else 0)

    busy = _Busy(len(runs))  # threads with an import in hand
    hopper = _Hopper(busy, ahead=min(CLAIM_AHEAD, slots))

    def work(slot: int) -> list[str]:
        outcomes = []
        if slot < len(runs):
            with busy.holding(counted=True):
                outcomes.append(_execute_handed(runs[slot], mine, deadline))
        pause = IDLE_POLL
        while time.monotonic() < deadline:
            taken = hopper.take(claim=time.monotonic() < more_until)
            if taken is None:
                if time.monotonic() >= more_until or not busy.anyone():
                    break  # time is up, or nothing due and nobody importing: no room soon
                time.sleep(pause)  # perhaps a provider's cap is full: a run ends soon
                pause = min(pause * 2, IDLE_POLL_MAX)
                continue
            pause = IDLE_POLL
            run, claimed_here = taken
            began = time.monotonic()
            with busy.holding():
                executed = import_run_execute(run=run, deadline=deadline, claimed_here=claimed_here)
                outcomes.append(executed.outcome)
            hopper.ran(time.monotonic() - began)
        return outcomes

    try:
        if slots <= 1:
            done = [work(slot) for slot in range(slots)]
        else:
            with ThreadPoolExecutor(max_workers=slots, thread_name_prefix="import") as pool:
                done = list(pool.map(partial(_on_own_connection, work), range(slots)))
    finally:
        _give_back(hopper.leftover())
    return dict(Counter(outcome for outcomes in done for outcome in outcomes))


class _Hopper:
    """Runs a task's idle threads claimed and have not begun yet. A thread that finds none
    claims a few in one transaction (import_claim_some), one thread at a time, and leaves the
    others for the task's threads that finish next: a claim costs a few statements however
    many runs it takes. It claims no more than the busy threads free up for within about
    HOLD_SECONDS (from how long the task's imports take), so a claimed run never waits long
    for a thread; what the task ends with unbegun is given back (_give_back)."""

    def __init__(self, busy: _Busy, *, ahead: int) -> None:
        self.busy, self.ahead = busy, max(1, ahead)
        self.lock, self.runs = threading.Lock(), []
        self.typical: float | None = None  # seconds an import of this task takes, smoothed

    def take(self, *, claim: bool) -> tuple[ImportRun, bool] | None:
        """(run, claimed_here) for the calling thread; None when nothing is left and `claim`
        is False or nothing is due within the providers' caps."""
        with self.lock:
            if not self.runs and claim:
                self.runs = import_claim_some(limit=self._how_many())
            if not self.runs:
                return None
            run = self.runs.pop(0)
        # Claimed as it started (RUNNING), or a queued run taken from its waiting task.
        return run, run.outcome == ImportRun.Outcome.RUNNING

    def ran(self, seconds: float) -> None:
        with self.lock:
            self.typical = seconds if self.typical is None else 0.8 * self.typical + 0.2 * seconds

    def leftover(self) -> list[ImportRun]:
        with self.lock:
            runs, self.runs = self.runs, []
        return runs

    def _how_many(self) -> int:
        busy = self.busy.now()
        if self.typical is None or not busy:
            return 1
        # A thread frees up about every typical / busy seconds.
        return max(1, min(self.ahead, 1 + int(HOLD_SECONDS * busy / max(self.typical, 1e-3))))


def _give_back(runs: list[ImportRun]) -> None:
    """Runs claimed and never begun (the task's time ran out, or its threads stopped): each
    connection's claim is given up and the run, which did nothing, removed, so the connection is
    due again at once, for the next dispatch or idle thread."""
    for run in runs:
        with transaction.atomic():
            Connection.objects.filter(pk=run.connection_id, claim_token=run.claim_token).update(
                claim_token=None, claimed_until=None
            )
            ImportRun.objects.filter(pk=run.pk, outcome=ImportRun.Outcome.RUNNING).delete()


class _Busy:
    """How many of a task's threads are importing right now."""

    def __init__(self, already: int) -> None:
        self.count, self.lock = already, threading.Lock()

    def anyone(self) -> bool:
        return self.now() > 0

    def now(self) -> int:
        with self.lock:
            return self.count

    @contextmanager
    def holding(self, *, counted: bool = False):
        if not counted:
            with self.lock:
                self.count += 1
        try:
            yield
        finally:
            with self.lock:
                self.count -= 1


def _take_handed(run_ids: list[int]) -> tuple[list[ImportRun | None], set[int]]:
    """The task's runs (None: deleted since), and the ids of those it takes: the ones still
    waiting, marked as taken (started_at) so that no idle thread of another task takes one of
    them too."""
    now = timezone.now()
    with transaction.atomic():
        found = ImportRun.objects.select_for_update(skip_locked=True).in_bulk(run_ids)
        locked = [run_id for run_id in run_ids if run_id not in found]
        if locked:  # another thread is taking or starting them (or they are gone)
            found.update(ImportRun.objects.in_bulk(locked))
        waiting = [
            run
            for run in found.values()
            if run.outcome == ImportRun.Outcome.QUEUED and run.started_at is None
        ]
        ImportRun.objects.filter(pk__in=[run.pk for run in waiting]).update(started_at=now)
    return [found.get(run_id) for run_id in run_ids], {run.pk for run in waiting}


def _execute_handed(run: ImportRun | None, mine: set[int], deadline: float) -> str:
    """A run the task was handed, executed unless another took it meanwhile."""
    if run is None:
        return "gone"
    if run.pk not in mine:
        # An idle thread took it while this task waited (import_claim_some), or this is a
        # second delivery: that run is someone else's to finish.
        return "taken"
    return import_run_execute(run=run, deadline=deadline).outcome


def _on_own_connection(work, slot: int) -> list[str]:
    try:
        return work(slot)
    except Exception:  # noqa: BLE001 - one run's database trouble must not end the others
        # The run stays open; its claim lapses and the dispatcher hands it out again.
        logger.exception("An import thread stopped before its run could record its outcome")
        return ["error"]
    finally:
        connections.close_all()  # this thread's connections only; the thread ends with the batch
