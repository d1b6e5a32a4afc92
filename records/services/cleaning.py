"""Making a provider's record fit Tendon's tables before it is stored (issue 9).

One odd value must never stop a person's imports: text is clipped to its column, a number that is
not a number or is out of any plausible range is dropped (the record is kept without it), and a
record that cannot be stored at all (no time, an unreadable id) is set aside with its reason, as
is one its provider's normaliser could not read (connections/providers/reading.py).
The limits come from the models' own fields, so every provider gets the same rules.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone

from connections.providers.base import RecordData, UnreadableRecord

# What a body can do, whatever a device claims: outside these, a value is a device's mistake.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "average_heart_rate": (20, 260),
    "resting_heart_rate": (20, 220),
    "steps": (0, 1_000_000),
    "calories": (0, 100_000),
    "distance_m": (0, 10_000_000),
    "minutes_asleep": (0, 2 * 24 * 60),
    "active_minutes": (0, 24 * 60),
    "weight_kg": (0.5, 700),
    "bmi": (5, 200),
    "fat_percent": (0, 100),
    "readiness_score": (0, 100),
    "sleep_score": (0, 100),
    "activity_score": (0, 100),
    "recovery_score": (0, 100),
    "strain": (0, 21),
    "hrv_ms": (1, 500),
}
LONGEST_DURATION = timedelta(days=7)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=2)  # devices in other time zones date things a little ahead
SMALL_INT_MAX, INT_MAX = 32_767, 2_147_483_647
RAW_LIMIT = 100_000  # characters of a set-aside record's payload kept for support


class Unstorable(Exception):
    """This record cannot be stored; the message says why, for support."""


@dataclass(frozen=True)
class SetAside:
    """A record that could not be stored, with its payload and the reason."""

    kind: str
    key: str
    raw_text: str
    reason: str


def set_aside(record: RecordData | UnreadableRecord, reason: str) -> SetAside:
    try:
        raw_text = json.dumps(record.raw, default=str, sort_keys=True)
    except (TypeError, ValueError):
        raw_text = repr(record.raw)
    return SetAside(
        kind=_storable_text(record.kind)[:16],
        key=_storable_text(record.key)[:255],
        raw_text=_storable_text(raw_text)[:RAW_LIMIT],
        reason=_storable_text(reason)[:2000],
    )


def _storable_text(value) -> str:
    # PostgreSQL text refuses NUL; keep it visible to support instead.
    return str(value).replace("\x00", "\\x00")


def record_clean(record: RecordData, model: type[models.Model], fields: tuple[str, ...]):
    """The record with every value fitted to model's columns; Unstorable if it cannot fit."""
    if not isinstance(record.key, str) or not record.key or len(record.key) > 255:
        raise Unstorable(f"Its id is missing or longer than 255 characters ({record.key!r:.80}).")
    if not isinstance(record.raw, dict):
        raise Unstorable("Its payload is not a JSON object.")
    values: dict[str, Any] = {}
    for name in fields:
        field = model._meta.get_field(name)
        value = _fit(field, record.values.get(name))
        if value is None and not field.null:
            raise Unstorable(f"Its {field.verbose_name} is missing or unreadable.")
        values[name] = value
    return replace(record, values=values, raw=_json_safe(record.raw))


def _fit(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.CharField):
        text = str(value).replace("\x00", "")[: field.max_length]
        return text or ("" if field.blank else None)  # an empty name is a name left blank
    if isinstance(field, models.DateTimeField):
        return _moment(value, field)
    if isinstance(field, models.DateField):
        return _day(value, field)
    if isinstance(field, models.DurationField):
        fits = isinstance(value, timedelta) and timedelta(0) <= value <= LONGEST_DURATION
        return value if fits else None
    if isinstance(field, models.JSONField):
        return _json_safe(value) if isinstance(value, dict | list) else None
    if isinstance(field, models.IntegerField):
        number = _number(value)
        top = SMALL_INT_MAX if isinstance(field, models.SmallIntegerField) else INT_MAX
        return _plausible(field.name, round(number), 0, top) if number is not None else None
    if isinstance(field, models.FloatField):
        number = _number(value)
        return _plausible(field.name, number, -1e12, 1e12) if number is not None else None
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _plausible(name: str, number, low: float, high: float):
    low, high = PLAUSIBLE.get(name, (low, high))
    return number if low <= number <= high else None


def _moment(value: Any, field: models.Field) -> datetime:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise Unstorable(f"Its {field.verbose_name} is not a time with a time zone.")
    if not EARLIEST <= value <= timezone.now() + FUTURE_SLACK:
        raise Unstorable(f"Its {field.verbose_name} ({value:%Y-%m-%d}) is not a plausible date.")
    return value


def _day(value: Any, field: models.Field) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise Unstorable(f"Its {field.verbose_name} is not a date.")
    if not EARLIEST.date() <= value <= (timezone.now() + FUTURE_SLACK).date():
        raise Unstorable(f"Its {field.verbose_name} ({value}) is not a plausible date.")
    return value


def _json_safe(value, depth: int = 0):
    """The value as JSON that every database accepts (PostgreSQL's jsonb refuses NUL)."""
    if depth > 64:
        raise Unstorable("Its payload is nested too deeply.")
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_json_safe(str(k), depth): _json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item, depth + 1) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)
