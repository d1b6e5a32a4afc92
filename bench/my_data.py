"""My data: time and queries for the page at each range, for a person with five years of daily
data among 10,000 other people.

Run by hand (not a test):

    .venv/bin/python bench/my_data.py                 # PostgreSQL (BENCH_POSTGRES to point at it)
    .venv/bin/python bench/my_data.py --db sqlite

It stores five years of daily summaries, nights, weigh-ins and workouts for one person from two
providers (the daily values summed by the real service), and `--others-days` days of the same
for each of `--others` other people, then opens /data/?range=... through Django's test client and
prints the median time, the queries, the page's size, and the plan of the charts' query.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_on, drop_postgres, throwaway_database  # noqa: E402

BATCH = 5000
RUNS = 5


def fill_person(user, *, provider: str, last: date, days: int, every: int = 1) -> None:
    """Records for `days` days ending `last`, then their daily values, as an import leaves them."""
    from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
    from records.services.daily_values import daily_values_refresh

    account = f"{provider}-bench"
    dates = [last - timedelta(days=n) for n in range(0, days, every)]
    rows = {DailySummary: [], SleepSession: [], BodyMeasurement: [], Activity: []}
    for i, day in enumerate(dates):
        owner = {"user": user, "provider": provider, "account_uid": account}
        end = datetime.combine(day, clock(6, 30), tzinfo=UTC)
        rows[DailySummary].append(
            DailySummary(
                **owner,
                key=str(day),
                date=day,
                steps=4000 + i * 37 % 9000,
                distance_m=5000.0,
                calories=2200.0,
                active_minutes=40,
                resting_heart_rate=52 + i % 9,
            )
        )
        rows[SleepSession].append(
            SleepSession(
                **owner,
                key=f"s{day}",
                start=end - timedelta(hours=8),
                end=end,
                minutes_asleep=400 + i % 70,
                stages={"deep": 80, "rem": 95, "light": 225 + i % 70, "awake": 30},
            )
        )
        if i % 3 == 0:
            rows[BodyMeasurement].append(
                BodyMeasurement(
                    **owner,
                    key=f"b{day}",
                    measured_at=end + timedelta(hours=1),
                    weight_kg=70 + i % 30 / 10,
                    fat_percent=18 + i % 20 / 10,
                )
            )
        if i % 2 == 0:
            rows[Activity].append(
                Activity(
                    **owner,
                    key=f"a{day}",
                    activity_type=("RUNNING", "WALKING")[i % 4 // 2],
                    start=end + timedelta(hours=10),
                    duration=timedelta(minutes=40),
                    distance_m=6000.0,
                    calories=400.0,
                    heart_rate_zones={"light": 10, "moderate": 20, "vigorous": 8, "peak": 2},
                )
            )
    for model, objects in rows.items():
        model.objects.bulk_create(objects, batch_size=BATCH)
    for offset in range(0, len(dates), 366):
        daily_values_refresh(user_id=user.pk, provider=provider, days=dates[offset : offset + 366])


def fill_others(count: int, *, days: int, last: date) -> None:
    """`count` other people with `days` days of summaries and daily values each, in bulk."""
    from django.contrib.auth import get_user_model

    from records.models import DailySummary, DailyValue

    User = get_user_model()
    for offset in range(0, count, 1000):
        users = User.objects.bulk_create(
            [
                User(email=f"other{offset + i}@example.com", password="!")
                for i in range(min(1000, count - offset))
            ]
        )
        summaries, values = [], []
        for user in users:
            for n in range(days):
                day = last - timedelta(days=n)
                summaries.append(
                    DailySummary(
                        user=user,
                        provider="demo",
                        account_uid=f"o{user.pk}",
                        key=str(day),
                        date=day,
                        steps=5000 + n,
                    )
                )
                values.append(
                    DailyValue(
                        user=user,
                        provider="demo",
                        day=day,
                        steps=5000 + n,
                        sleep_minutes=420,
                        resting_heart_rate=58,
                    )
                )
        DailySummary.objects.bulk_create(summaries, batch_size=BATCH)
        DailyValue.objects.bulk_create(values, batch_size=BATCH)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--others", type=int, default=10_000)
    parser.add_argument("--others-days", type=int, default=30)
    options = parser.parse_args()

    url = throwaway_database(options.db)
    try:
        django_on(url)
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        today = timezone.localdate()
        began = time.perf_counter()
        fill_others(options.others, days=options.others_days, last=today)
        person = get_user_model().objects.create(email="bench@example.com")
        fill_person(person, provider="demo", last=today, days=5 * 365)
        fill_person(person, provider="withings", last=today, days=5 * 365, every=3)
        if options.db == "postgres":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"filled in {time.perf_counter() - began:.0f} s: one person with five years "
            f"from two providers, {options.others:,} others with {options.others_days} days"
        )

        client = Client()
        client.force_login(person)
        print(f"{'range':<6} {'median':>9} {'queries':>8} {'page':>9}")
        for range_key in ("7d", "30d", "90d", "1y"):
            path = f"/data/?range={range_key}"
            client.get(path)  # warm
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
                times.append(time.perf_counter() - start)
            assert response.status_code == 200
            print(
                f"{range_key:<6} {statistics.median(times) * 1000:7.0f} ms "
                f"{len(captured):8} {len(response.content) / 1000:7.0f} kB"
            )
        if options.db == "postgres":
            charts = next(
                q["sql"] for q in captured.captured_queries if "records_dailyvalue" in q["sql"]
            )
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + charts)
                print("plan of the charts' query (1 year):")
                for (line,) in cursor.fetchall():
                    print("  " + line)
    finally:
        drop_postgres(url)


if __name__ == "__main__":
    main()
