"""Several imports at once in one worker process: a worker mostly waits on providers.

The dispatcher claims connections exactly as before (the claim in each connection's row, one
ImportRun per claim) and hands a worker up to IMPORT_CONCURRENCY runs in one task. Each run gets
a thread of its own and, through Django, a database connection of its own, closed when the run
ends; each run is the ordinary `import_run_execute`, so every guarantee holds as it does for one
run alone: the one token door (its row lock single-flights a refresh across threads as across
processes), the cursor moved in each page's transaction, a run delivered twice doing nothing, and
a worker killed mid-batch losing nothing (each claim lapses and is dispatched again).

Every run of a batch starts at once, so each one's time budget (budgets.py) ends before django-q2
kills the task. A slow or hanging provider holds only its own runs' threads, each request for at
most the HTTP timeout: runs of other providers in the same batch finish and are written without
waiting for it.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from django.db import connections

from connections.models import ImportRun
from connections.services.imports import import_run_execute
from connections.services.scheduling import imports_dispatch_due

logger = logging.getLogger(__name__)


def import_batch_execute(*, run_ids: list[int]) -> dict[str, int]:
    """The batch's outcomes, as import_runs_execute; then the dispatcher claims what is due
    within the caps the batch just freed. A provider's cap on imports at once would otherwise
    sit idle until the next scheduled dispatch (every minute): its runs follow each other as
    fast as workers finish them."""
    outcomes = import_runs_execute(run_ids=run_ids)
    imports_dispatch_due()
    return outcomes


def import_runs_execute(*, run_ids: list[int]) -> dict[str, int]:
    """How many of the runs ended with each outcome ("gone": the run no longer exists), once
    every one of them has been executed, all at once. Never raises for one run's failure."""
    found = ImportRun.objects.in_bulk(run_ids)
    runs = [found.get(run_id) for run_id in run_ids]
    if len(runs) <= 1:
        return dict(Counter(_execute(run) for run in runs))
    with ThreadPoolExecutor(max_workers=len(runs), thread_name_prefix="import") as pool:
        outcomes = list(pool.map(_execute_on_own_connection, runs))
    return dict(Counter(outcomes))


def _execute(run: ImportRun | None) -> str:
    if run is None:
        return "gone"
    return import_run_execute(run=run).outcome


def _execute_on_own_connection(run: ImportRun | None) -> str:
    try:
        return _execute(run)
    except Exception:  # noqa: BLE001 - one run's database trouble must not end the others
        # The run stays open; its claim lapses and the dispatcher hands it out again.
        logger.exception("Import run %s stopped before it could record its outcome", run.pk)
        return "error"
    finally:
        connections.close_all()  # this thread's connections only; the thread ends with the batch
