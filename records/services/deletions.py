"""Deleting records the provider no longer has (a push said data was deleted at the source)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from records.services.daily_values import daily_values_refresh, record_days

# kind -> (model, the column that places a record in time)
TIMED = {
    "activity": (Activity, "start"),
    "sleep": (SleepSession, "start"),
    "body": (BodyMeasurement, "measured_at"),
}
# Daily kinds share one row per day: each kind owns some of its columns.
DAY_PARTS = {
    "daily": ({"steps": None, "calories": None, "distance_m": None, "active_minutes": None}, "raw"),
    "heart_rate": ({"resting_heart_rate": None}, "raw_heart_rate"),
}


def record_moment(
    *, user_id: int, provider: str, account_uid: str, kinds: tuple[str, ...], key: str
) -> datetime | None:
    """When the stored record with this provider key took place (the first of these kinds that
    holds it), or None when Tendon holds no such record."""
    owner = {"user_id": user_id, "provider": provider, "account_uid": account_uid}
    for kind in kinds:
        if kind in TIMED:
            model, field = TIMED[kind]
            moment = model.objects.filter(**owner, key=key).values_list(field, flat=True).first()
            if moment is not None:
                return moment
    return None


def records_delete_missing(
    *,
    user_id: int,
    provider: str,
    account_uid: str,
    kinds: tuple[str, ...],
    start: datetime,
    end: datetime,
    keep: dict[str, set[str]],
) -> int:
    """Deletes this provider account's records of these kinds within [start, end] whose keys
    are not in keep (what the provider still returned); returns how many were deleted.

    For daily kinds only that kind's columns of the day are cleared; a day left with nothing
    is deleted.
    """
    owner = {"user_id": user_id, "provider": provider, "account_uid": account_uid}
    deleted = 0
    touched: set = set()  # the days whose chart values must be summed again
    for kind in kinds:
        keys = keep.get(kind, set())
        if kind in TIMED:
            model, field = TIMED[kind]
            gone = model.objects.filter(
                **owner, **{f"{field}__gte": start, f"{field}__lte": end}
            ).exclude(key__in=keys)
            touched |= record_days(gone.only(field))
            deleted += gone.delete()[0]
            continue
        columns, raw_field = DAY_PARTS[kind]
        has_part = Q()
        for column in columns:
            has_part |= Q(**{f"{column}__isnull": False})
        days = (
            DailySummary.objects.filter(**owner, date__gte=start.date(), date__lte=end.date())
            .filter(has_part)
            .exclude(key__in=keys)
        )
        day_ids = list(days.values_list("pk", flat=True))
        touched |= record_days(DailySummary.objects.filter(pk__in=day_ids).only("date"))
        deleted += DailySummary.objects.filter(pk__in=day_ids).update(**columns, **{raw_field: {}})
        empty = Q()
        for column in (*DAY_PARTS["daily"][0], *DAY_PARTS["heart_rate"][0]):
            empty &= Q(**{f"{column}__isnull": True})
        DailySummary.objects.filter(pk__in=day_ids).filter(empty).delete()
    if touched:
        daily_values_refresh(user_id=user_id, provider=provider, days=touched)
    return deleted
