"""A connection's history in a person's words: its runs, its timeline, and the run under way."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Q

from connections import messages as words
from connections.models import Connection, ConnectionEvent, ImportRun
from connections.providers.catalog import ProviderSpec
from connections.services.imports import WINDOW

OPEN = (ImportRun.Outcome.QUEUED, ImportRun.Outcome.RUNNING)


@dataclass(frozen=True)
class RunLine:
    run: ImportRun
    text: str  # "31 days: 1 new, 30 updated", "Queued… it starts within a minute."
    problem: str  # whose doing a failure was, in plain words
    open: bool
    took: str = ""  # "under a second", "4.2 s"; "" for a run that did not run (skipped)


@dataclass(frozen=True)
class EventLine:
    event: ConnectionEvent
    text: str
    who: str


def run_progress(*, run: ImportRun, connection: Connection) -> str:
    """How far an unfinished run has come ("Importing… 3 of ~8 weeks")."""
    if run.outcome != ImportRun.Outcome.RUNNING or run.reads_from is None or not run.started_at:
        return words.run_progress(outcome=run.outcome)
    position = connection.chunk_start or connection.cursor or run.reads_from
    weeks = math.ceil((run.started_at - run.reads_from) / WINDOW)
    done = max(0, math.floor((position - run.reads_from) / WINDOW))
    return words.run_progress(outcome=run.outcome, weeks_done=done, weeks=weeks)


def run_text(*, run: ImportRun, feed: str) -> str:
    """A finished run in a sentence: what it brought in, and how it ended when not well."""
    counts = words.run_counts(feed=feed, created=run.created_count, updated=run.updated_count)
    counts += words.skipped(run.skipped_count)
    if run.outcome == ImportRun.Outcome.OK:
        return counts[:1].upper() + counts[1:]
    if run.outcome == ImportRun.Outcome.PARTIAL:
        return f"Partly imported: {counts}; the rest follows shortly"
    if run.created_count or run.updated_count:
        return f"{run.get_outcome_display()} after {counts}"
    return run.get_outcome_display()


def run_lines(*, runs: list[ImportRun], connection: Connection, spec: ProviderSpec):
    lines = []
    for run in runs:
        if run.outcome in OPEN:
            lines.append(RunLine(run, run_progress(run=run, connection=connection), "", True))
        else:
            text = run_text(run=run, feed=connection.feed)
            ran = run.outcome != ImportRun.Outcome.SKIPPED and run.duration is not None
            took = words.took(run.duration.total_seconds() if ran else None)
            problem = words.run_problem(spec, run.error_code)
            lines.append(RunLine(run, text, problem, False, took))
    return lines


def event_lines(*, events: list[ConnectionEvent]) -> list[EventLine]:
    """Each entry as one sentence (never the kind's label and the message saying it twice)."""
    return [
        EventLine(
            event, event.message or event.get_kind_display(), words.actor_words(event.actor_kind)
        )
        for event in events
    ]


def open_run(*, connection: Connection) -> ImportRun | None:
    """The run queued or under way for this connection, if any."""
    return (
        ImportRun.objects.filter(connection=connection)
        .filter(Q(outcome=ImportRun.Outcome.QUEUED) | Q(outcome=ImportRun.Outcome.RUNNING))
        .order_by("-queued_at", "-id")
        .first()
    )
