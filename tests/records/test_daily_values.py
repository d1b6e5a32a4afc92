"""The charts' daily values follow the records: after an import, a change, a deletion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from connections.providers.base import RecordData
from records.models import Activity, BodyMeasurement, DailySummary, DailyValue, SleepSession
from records.services.daily_values import daily_values_rebuild, daily_values_refresh, record_days
from records.services.upserts import records_upsert

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 20)


def _steps(day: date, steps: int) -> RecordData:
    return RecordData(
        kind="daily", key=day.isoformat(), values={"date": day, "steps": steps}, raw={"s": steps}
    )


def test_an_import_sums_each_day_from_its_records(demo_connected, run_import, user):
    for connection in demo_connected("daily", "sleep", "body", "heart_rate").values():
        run_import(connection)

    summary = DailySummary.objects.filter(user=user, steps__isnull=False).latest("date")
    value = DailyValue.objects.get(user=user, provider="demo", day=summary.date)
    assert value.steps == summary.steps
    assert value.resting_heart_rate == summary.resting_heart_rate
    night = SleepSession.objects.filter(user=user).latest("end")
    assert DailyValue.objects.get(user=user, day=night.end.date()).sleep_minutes == (
        night.minutes_asleep
    )
    weighed = BodyMeasurement.objects.filter(user=user, weight_kg__isnull=False).latest(
        "measured_at"
    )
    assert DailyValue.objects.get(user=user, day=weighed.measured_at.date()).weight_kg == (
        weighed.weight_kg
    )


def test_a_changed_record_changes_its_day(user):
    records_upsert(user_id=user.pk, provider="demo", account_uid="a", records=[_steps(DAY, 500)])

    records_upsert(user_id=user.pk, provider="demo", account_uid="a", records=[_steps(DAY, 9000)])

    assert DailyValue.objects.get(user=user, day=DAY).steps == 9000


def test_two_providers_keep_a_day_each_and_are_never_added(user):
    records_upsert(user_id=user.pk, provider="demo", account_uid="a", records=[_steps(DAY, 500)])
    records_upsert(
        user_id=user.pk, provider="withings", account_uid="w", records=[_steps(DAY, 700)]
    )

    assert sorted(DailyValue.objects.filter(day=DAY).values_list("provider", "steps")) == [
        ("demo", 500),
        ("withings", 700),
    ]


def test_after_a_deletion_a_refresh_of_its_days_forgets_it(user):
    moment = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    workout = Activity.objects.create(
        user=user,
        provider="demo",
        account_uid="a",
        key="w1",
        activity_type="RUNNING",
        start=moment,
        heart_rate_zones={"peak": 5},
    )
    daily_values_refresh(user_id=user.pk, provider="demo", days=record_days([workout]))
    assert DailyValue.objects.get(user=user, day=DAY).activities == {"RUNNING": 1}

    days = record_days([workout])  # as a deleting caller does: the days first, then delete
    workout.delete()
    daily_values_refresh(user_id=user.pk, provider="demo", days=days)

    assert not DailyValue.objects.filter(user=user).exists()


def test_a_night_counts_towards_the_morning_it_ends_on(user):
    end = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    night = SleepSession.objects.create(
        user=user,
        provider="demo",
        account_uid="a",
        key="n1",
        start=end - timedelta(hours=8),
        end=end,
        minutes_asleep=440,
        stages={"deep": 90, "light": 300, "rem": 50},
    )

    daily_values_refresh(user_id=user.pk, provider="demo", days=record_days([night]))

    value = DailyValue.objects.get(user=user)
    assert (value.day, value.sleep_minutes, value.sleep_stages["deep"]) == (DAY, 440, 90)


def test_rebuild_sums_records_stored_before_daily_values_existed(user):
    DailySummary.objects.bulk_create(
        [
            DailySummary(
                user=user, provider="withings", account_uid="w", key=str(d), date=d, steps=1000 + i
            )
            for i, d in enumerate(DAY - timedelta(days=n) for n in range(400))
        ]
    )
    assert not DailyValue.objects.exists()

    assert daily_values_rebuild() == 400

    assert DailyValue.objects.get(day=DAY).steps == 1000


def _workout(day: date, key: str = "w1") -> RecordData:
    moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=17)
    return RecordData(
        kind="activity",
        key=key,
        values={
            "start": moment,
            "activity_type": "RUNNING",
            "name": "Run",
            "heart_rate_zones": {},
        },
        raw={"k": key},
    )


def _weigh_in(day: date, weight_kg: float | None) -> RecordData:
    moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7)
    return RecordData(
        kind="body",
        key="b1",
        values={"measured_at": moment, "weight_kg": weight_kg},
        raw={"w": weight_kg},
    )


def test_importing_one_kind_keeps_the_days_values_of_the_others(user):
    records_upsert(user_id=user.pk, provider="demo", account_uid="a", records=[_steps(DAY, 500)])

    records_upsert(user_id=user.pk, provider="demo", account_uid="a", records=[_workout(DAY)])

    value = DailyValue.objects.get(user=user, day=DAY)
    assert (value.steps, value.activities) == (500, {"RUNNING": 1})


def test_a_weigh_in_that_lost_its_values_clears_only_the_weight_of_its_day(user):
    records_upsert(
        user_id=user.pk,
        provider="demo",
        account_uid="a",
        records=[_steps(DAY, 500), _weigh_in(DAY, 71.5)],
    )

    records_upsert(
        user_id=user.pk, provider="demo", account_uid="a", records=[_weigh_in(DAY, None)]
    )

    value = DailyValue.objects.get(user=user, day=DAY)
    assert (value.steps, value.weight_kg) == (500, None)


def test_a_day_left_without_any_value_has_no_daily_value(user):
    records_upsert(user_id=user.pk, provider="demo", account_uid="a", records=[_weigh_in(DAY, 70)])

    records_upsert(
        user_id=user.pk, provider="demo", account_uid="a", records=[_weigh_in(DAY, None)]
    )

    assert not DailyValue.objects.filter(user=user).exists()


def test_an_import_of_workouts_reads_no_other_kind_of_record(user, django_assert_max_num_queries):
    records_upsert(user_id=user.pk, provider="demo", account_uid="a", records=[_workout(DAY)])

    # In a savepoint: the stored keys, the new workout; then the user's lock, the day's
    # workouts (no steps, sleep or weigh-ins) and one upsert of the day's value.
    with django_assert_max_num_queries(7):
        records_upsert(
            user_id=user.pk, provider="demo", account_uid="a", records=[_workout(DAY, "w2")]
        )

    assert DailyValue.objects.get(user=user, day=DAY).activities == {"RUNNING": 2}


def _night(end: datetime, minutes: int) -> RecordData:
    return RecordData(
        kind="sleep",
        key="n1",
        values={
            "start": end - timedelta(minutes=minutes),
            "end": end,
            "minutes_asleep": minutes,
            "stages": {},
        },
        raw={"end": end.isoformat(), "m": minutes},
    )


def test_a_night_the_provider_moves_to_the_next_morning_leaves_its_old_day(user):
    before_midnight = datetime(2026, 11, 20, 23, 50, tzinfo=UTC)
    records_upsert(
        user_id=user.pk,
        provider="demo",
        account_uid="a",
        records=[_steps(DAY, 500), _night(before_midnight, 400)],
    )

    moved = _night(before_midnight + timedelta(minutes=30), 400)  # now ends at 00:20
    records_upsert(user_id=user.pk, provider="demo", account_uid="a", records=[moved])

    days = dict(DailyValue.objects.filter(user=user).values_list("day", "sleep_minutes"))
    assert days == {DAY: None, DAY + timedelta(days=1): 400}
