"""My data downloads: time and peak Python memory of streaming a whole feed, against building it
in memory first.

Run by hand (not a test), on SQLite and on PostgreSQL:

    .venv/bin/python bench/export_memory.py --db sqlite --records 100000
    .venv/bin/python bench/export_memory.py --db postgres

It stores N activities (each with a realistic raw payload) for one person, then downloads
/data/activities.csv, .json and .omh.json (Open mHealth), and the "Download everything" zip
(/data/everything.zip, as CSV and as Open mHealth), through Django's test client, consuming the
streamed body, and prints seconds, bytes sent and the peak memory tracemalloc saw. "in memory"
builds the same JSON from model instances loaded all at once, as a naive view would. Run it at two
sizes: a streamed download's peak stays the same, the naive one grows with the records.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_on, drop_postgres, throwaway_database  # noqa: E402

BATCH = 5000


def fill(user, n: int) -> None:
    from records.models import Activity

    start = datetime(2020, 1, 1, tzinfo=UTC)
    for offset in range(0, n, BATCH):
        Activity.objects.bulk_create(
            [
                Activity(
                    user=user,
                    provider="demo",
                    account_uid="bench",
                    key=f"users/bench/dataTypes/exercise/dataPoints/{i}",
                    raw={"name": f"dataPoints/{i}", "exercise": {"notes": "x" * 400}},
                    activity_type="RUNNING",
                    start=start + timedelta(hours=6 * i),
                    duration=timedelta(minutes=40),
                    distance_m=8000.0,
                    calories=500.0,
                    steps=7000,
                    average_heart_rate=140,
                )
                for i in range(offset, min(n, offset + BATCH))
            ]
        )


def measure(label: str, produce) -> None:
    """Times a run untraced, then runs again under tracemalloc for the peak (tracing is slow)."""
    began = time.perf_counter()
    size = produce()
    seconds = time.perf_counter() - began
    tracemalloc.start()
    produce()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {label:<26} {seconds:7.2f} s  {size / 1e6:8.1f} MB sent  peak {peak / 1e6:8.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--records", type=int, default=100_000)
    options = parser.parse_args()

    url = throwaway_database(options.db)
    try:
        django_on(url)
        from django.contrib.auth import get_user_model
        from django.test import Client

        from records.models import Activity

        user = get_user_model().objects.create(email="bench@example.com")
        fill(user, options.records)
        client = Client()
        client.force_login(user)

        def streamed(fmt: str, path: str = ""):
            def run() -> int:
                response = client.get(path or f"/data/activities.{fmt}")
                return sum(len(chunk) for chunk in response.streaming_content)

            return run

        def in_memory() -> int:
            rows = list(Activity.objects.filter(user=user).order_by("-start"))
            body = json.dumps(
                [
                    {
                        "source": "Demo Health",
                        "provider_account": r.account_uid,
                        "record_id": r.key,
                        "start": r.start.isoformat(),
                        "activity_type": r.activity_type,
                        "name": r.name,
                        "duration_s": round(r.duration.total_seconds()),
                        "distance_m": r.distance_m,
                        "calories": r.calories,
                        "steps": r.steps,
                        "average_heart_rate": r.average_heart_rate,
                    }
                    for r in rows
                ]
            )
            return len(body)

        print(f"{options.records:,} activities on {options.db}:")
        measure("streamed CSV", streamed("csv"))
        measure("streamed JSON", streamed("json"))
        measure("streamed Open mHealth", streamed("omh.json"))
        measure("zip of everything, CSV", streamed("", "/data/everything.zip?format=csv"))
        measure("zip of everything, OmH", streamed("", "/data/everything.zip?format=omh"))
        measure("in memory (naive) JSON", in_memory)
    finally:
        drop_postgres(url)


if __name__ == "__main__":
    main()
