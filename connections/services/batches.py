"""Several imports at once in one worker process: a worker mostly waits on providers.

The dispatcher claims connections exactly as before (the claim in each connection's row, one
ImportRun per claim) and hands a worker up to IMPORT_CONCURRENCY runs in one task. Each run gets
a thread of its own and, through Django, a database connection of its own, closed when the
thread ends; each run is the ordinary `import_run_execute`, so every guarantee holds as it does
for one run alone: the one token door (its row lock single-flights a refresh across threads as
across processes), the cursor moved in each page's transaction, a run delivered twice doing
nothing, and a worker killed mid-batch losing nothing (each claim lapses and is dispatched
again).

A thread that finished its run claims the next due connection itself (within its provider's cap,
the claim in the row as the dispatcher makes it) for a few seconds, so threads never idle while
claims wait in the queue; a task's threads number IMPORT_CONCURRENCY even when the dispatcher
handed it fewer runs. Every run of the task shares the task's time budget (budgets.py), so each
ends before django-q2 kills the task. A slow or hanging provider holds only its own runs'
threads, each request for at most the HTTP timeout: runs of other providers finish and are
written without waiting for it.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.conf import settings
from django.db import connections

from connections.models import ImportRun
from connections.services.budgets import run_time_budget
from connections.services.imports import import_run_execute
from connections.services.scheduling import import_claim_next, imports_dispatch_due

logger = logging.getLogger(__name__)


REFILL_SECONDS = 10.0  # a batch's threads take more due work this long, then the task ends


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
    """How many runs ended with each outcome ("gone": the run no longer exists), once every
    one of them has been executed, all at once. With `take_more_for` seconds (and
    IMPORT_CONCURRENCY above 1), each thread then claims and runs the next due import
    (import_claim_next) until that time has passed. Never raises for one run's failure."""
    started = time.monotonic()
    deadline = started + run_time_budget()  # every run of the task ends before it is killed
    more_until = started + (take_more_for if settings.IMPORT_CONCURRENCY > 1 else 0)
    found = ImportRun.objects.in_bulk(run_ids)
    runs = [found.get(run_id) for run_id in run_ids]

    # Taking more work, every thread of IMPORT_CONCURRENCY runs: the ones without a run of the
    # batch start by claiming one.
    slots = max(len(runs), settings.IMPORT_CONCURRENCY if more_until > started else 0)

    def work(slot: int) -> list[str]:
        outcomes = [_execute(runs[slot], deadline)] if slot < len(runs) else []
        while time.monotonic() < more_until:
            run = import_claim_next()
            if run is None:
                break
            outcomes.append(_execute(run, deadline))
        return outcomes

    if slots <= 1:
        return dict(Counter(outcome for slot in range(slots) for outcome in work(slot)))
    with ThreadPoolExecutor(max_workers=slots, thread_name_prefix="import") as pool:
        done = list(pool.map(partial(_on_own_connection, work), range(slots)))
    return dict(Counter(outcome for outcomes in done for outcome in outcomes))


def _execute(run: ImportRun | None, deadline: float) -> str:
    if run is None:
        return "gone"
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
