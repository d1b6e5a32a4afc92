"""Days of stored records for one person, written in bulk, with their daily values summed by the
real service (as an import would), for tests and the browser walk-through of My data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from records.services.daily_values import daily_values_refresh

KINDS = ("RUNNING", "WALKING", "BIKING", "SWIMMING", "YOGA", "HIKING")


def store_days(
    user,
    *,
    provider: str = "demo",
    last: date,
    days: int,
    steps=lambda i: 6000 + (i * 733) % 9000,
    every: int = 1,
) -> None:
    """`days` days of steps, resting heart rate, sleep with stages, weigh-ins every third day and
    a workout every other day, ending on `last`; only every `every`-th day has records."""
    account = f"{provider}-account"
    summaries, nights, weigh_ins, workouts = [], [], [], []
    dates = [last - timedelta(days=n) for n in range(days) if n % every == 0]
    for i, day in enumerate(dates):
        summaries.append(
            DailySummary(
                user=user,
                provider=provider,
                account_uid=account,
                key=day.isoformat(),
                date=day,
                steps=steps(i),
                distance_m=4000.0 + i,
                calories=2100.0,
                active_minutes=35,
                resting_heart_rate=55 + i % 7,
            )
        )
        end = datetime.combine(day, time(6, 30), tzinfo=UTC)
        nights.append(
            SleepSession(
                user=user,
                provider=provider,
                account_uid=account,
                key=f"sleep-{day}",
                start=end - timedelta(hours=8),
                end=end,
                minutes_asleep=420 + i % 60,
                stages={"deep": 80, "rem": 100, "light": 240 + i % 60, "awake": 35},
            )
        )
        if i % 3 == 0:
            weigh_ins.append(
                BodyMeasurement(
                    user=user,
                    provider=provider,
                    account_uid=account,
                    key=f"body-{day}",
                    measured_at=datetime.combine(day, time(7, 5), tzinfo=UTC),
                    weight_kg=72 + (i % 10) / 10,
                    fat_percent=19 + (i % 5) / 10,
                )
            )
        if i % 2 == 0:
            workouts.append(
                Activity(
                    user=user,
                    provider=provider,
                    account_uid=account,
                    key=f"workout-{day}",
                    activity_type=KINDS[i % len(KINDS)],
                    name="",
                    start=datetime.combine(day, time(17, 0), tzinfo=UTC),
                    duration=timedelta(minutes=45),
                    distance_m=7000.0,
                    calories=420.0,
                    heart_rate_zones={"light": 10, "moderate": 20, "vigorous": 10, "peak": 5},
                )
            )
    for model, rows in (
        (DailySummary, summaries),
        (SleepSession, nights),
        (BodyMeasurement, weigh_ins),
        (Activity, workouts),
    ):
        model.objects.bulk_create(rows, batch_size=2000)
    for offset in range(0, days, 366):
        chunk = [last - timedelta(days=n) for n in range(offset, min(days, offset + 366))]
        daily_values_refresh(user_id=user.pk, provider=provider, days=chunk)
