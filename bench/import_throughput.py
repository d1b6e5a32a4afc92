"""Import throughput: the real import service's write path against a naive loop and the ceiling.

Run by hand (not a test), on SQLite and on PostgreSQL:

    .venv/bin/python bench/import_throughput.py --db sqlite --records 5000 --connections 4
    .venv/bin/python bench/import_throughput.py --db postgres

For each way of writing it imports the same N synthetic records for M connections, page by page
(1,000 records a page, each page in its own transaction as the import service commits them), first
into an empty table ("first import") and then again ("re-import"), and prints records per second
and the ratio to the service. The ways:

- service:  records_upsert(), the import service's own writer (dedupe, skip unchanged, bulk upsert)
- naive:    Activity.objects.update_or_create() per record
- ceiling:  a bare bulk_create() of the same rows (first import only; it cannot re-import)
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_on, drop_postgres, throwaway_database  # noqa: E402

PAGE = 1000


def synthetic(account: int, n: int):
    from connections.providers.base import RecordData

    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(n):
        moment = start + timedelta(hours=6 * i)
        key = f"users/bench-{account}/dataTypes/exercise/dataPoints/{i}"
        raw = {
            "name": key,
            "dataSource": {"platform": "FITBIT", "recordingMethod": "ACTIVELY_MEASURED"},
            "exercise": {
                "exerciseType": "RUNNING",
                "displayName": "Running",
                "interval": {"startTime": moment.isoformat(), "endTime": moment.isoformat()},
                "metricsSummary": {"caloriesKcal": 300.0 + i % 50, "steps": str(5000 + i)},
            },
        }
        yield RecordData(
            kind="activity",
            key=key,
            values={
                "activity_type": "RUNNING",
                "name": "Running",
                "start": moment,
                "duration": timedelta(minutes=40),
                "distance_m": 7000.0,
                "calories": 300.0 + i % 50,
                "steps": 5000 + i,
                "average_heart_rate": 140,
            },
            raw=raw,
        )


def pages(records: list, size: int = PAGE):
    for start in range(0, len(records), size):
        yield records[start : start + size]


def via_service(user_id: int, account: int, records: list) -> None:
    from django.db import transaction

    from records.services.upserts import records_upsert

    for page in pages(records):
        with transaction.atomic():
            records_upsert(
                user_id=user_id, provider="demo", account_uid=f"bench-{account}", records=page
            )


def via_naive(user_id: int, account: int, records: list) -> None:
    from django.db import transaction

    from records.models import Activity

    for page in pages(records):
        with transaction.atomic():
            for r in page:
                Activity.objects.update_or_create(
                    user_id=user_id,
                    provider="demo",
                    account_uid=f"bench-{account}",
                    key=r.key,
                    defaults={**r.values, "raw": r.raw},
                )


def via_ceiling(user_id: int, account: int, records: list) -> None:
    from django.db import transaction

    from records.models import Activity

    for page in pages(records):
        with transaction.atomic():
            Activity.objects.bulk_create(
                [
                    Activity(
                        user_id=user_id,
                        provider="demo",
                        account_uid=f"bench-{account}",
                        key=r.key,
                        raw=r.raw,
                        **r.values,
                    )
                    for r in page
                ]
            )


def measure(way, users: list[int], data: dict[int, list]) -> float:
    began = time.perf_counter()
    for account, user_id in enumerate(users):
        way(user_id, account, data[account])
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--records", type=int, default=5000, help="records per connection")
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    url = throwaway_database(args.db)
    django_on(url)
    from django.contrib.auth import get_user_model

    from records.models import Activity

    users = [
        get_user_model().objects.create_user(email=f"bench{i}@example.com").pk
        for i in range(args.connections)
    ]
    data = {a: list(synthetic(a, args.records)) for a in range(args.connections)}
    total = args.records * args.connections
    print(f"{args.db}: {args.connections} connections x {args.records} records = {total} records")
    results: dict[tuple[str, str], float] = {}
    for name, way, reimport in (
        ("service", via_service, True),
        ("naive", via_naive, True),
        ("ceiling", via_ceiling, False),
    ):
        Activity.objects.all().delete()
        results[(name, "first import")] = measure(way, users, data)
        if reimport:
            results[(name, "re-import")] = measure(way, users, data)
        assert Activity.objects.count() == total
    for phase in ("first import", "re-import"):
        base = results[("service", phase)]
        print(f"  {phase}:")
        for name in ("service", "naive", "ceiling"):
            if (name, phase) not in results:
                continue
            seconds = results[(name, phase)]
            print(
                f"    {name:8} {total / seconds:10,.0f} records/s  ({seconds:6.2f} s, "
                f"{seconds / base:5.2f}x the service's time)"
            )
    drop_postgres(url)


if __name__ == "__main__":
    main()
