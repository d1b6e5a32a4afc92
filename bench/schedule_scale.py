"""Scheduling at scale: one dispatch over 100 and 100,000 connections (PostgreSQL by default).

    .venv/bin/python bench/schedule_scale.py [--db sqlite]

For each size it prints the time and query count of one dispatch (claiming a batch of 500) when
every connection is due, and when none is (the common case between runs).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_on, drop_postgres, throwaway_database  # noqa: E402


def one_dispatch() -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from connections.services.scheduling import imports_dispatch_due

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        runs = imports_dispatch_due(limit=500)
        seconds = time.perf_counter() - began
    return seconds, len(queries), len(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    args = parser.parse_args()
    for size in (100, 100_000):
        url = throwaway_database(args.db)
        django_on(url)
        from django.db import connection

        from bench._fill import fill_connections
        from connections.models import Connection
        from connections.providers import PROVIDERS

        PROVIDERS["demo"] = dataclasses.replace(PROVIDERS["demo"], max_concurrent_imports=10**6)
        fill_connections(size, due=True)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        due = one_dispatch()
        from django.utils import timezone

        Connection.objects.update(
            next_run_at=timezone.now() + timezone.timedelta(hours=1), claimed_until=None
        )
        if connection.vendor == "postgresql":  # steady state: the mass update's dead rows gone
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE connections_connection")
        none_due = one_dispatch()
        print(f"{args.db}, {size:>7,} connections:")
        for label, (seconds, queries, runs) in (("all due", due), ("none due", none_due)):
            print(f"  {label:9} {seconds * 1000:8.1f} ms  {queries:3} queries  {runs:4} claimed")
        drop_postgres(url)
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    main()
