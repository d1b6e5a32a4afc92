"""Reads of imported data for the person it belongs to: My data's tables, newest first, paged."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial, reduce

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncMinute
from django.utils import timezone

from connections.models import Feed
from connections.providers import PROVIDERS
from records import formatting as fmt
from records.metrics import METRICS, feed_sources
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from records.series import one_source_per_day, preferred_sources, source_order

PAGE_SIZE = 20


@dataclass(frozen=True)
class Cell:
    text: str
    short: str = ""  # a compact form for phones (dates)
    muted: bool = False
    wide: bool = False  # left out on phones
    wrap: bool = False  # may break over lines on a phone (free text; a day above its time)

    def __str__(self) -> str:
        return self.text

    @property
    def classes(self) -> str:
        return " ".join(
            n for n, on in [("muted", self.muted), ("wide", self.wide), ("breaks", self.wrap)] if on
        )


@dataclass
class Section:
    title: str
    slug: str  # the anchor, the page parameter's stem, the download's name
    feed: str  # the connection feed that fills it
    noun: str  # "sleep", for "No sleep yet"
    columns: list[str]
    wide_columns: tuple[str, ...] = ()  # left out on phones (Source: said once, or under the day)
    counted: str = "record"  # what the count counts
    # (metric key, the column its chart draws): the table then shows each day once, from the
    # source that chart shows, instead of every service's record of the day.
    per_day: tuple[str, str] | None = None
    count: int = 0
    services: int = 0  # how many services the records come from (per-day tables)
    page: int = 1
    rows: list[list[Cell]] = field(default_factory=list)
    newer_url: str = ""  # links to the neighbouring pages, set by the view
    older_url: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // PAGE_SIZE))

    @property
    def page_param(self) -> str:
        return f"{self.slug}_page"

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def last_shown(self) -> int:
        return min(self.count, self.page * PAGE_SIZE)

    @property
    def one_source(self) -> str:
        """The service every row shown comes from, when there is one: phones then say it once
        above the table instead of in a column that would not fit."""
        names = {row[-1].text for row in self.rows}
        return names.pop() if len(names) == 1 else ""

    @property
    def picks_per_day(self) -> bool:
        """Whether some day had two services' records to pick from: then the page says so."""
        return self.per_day is not None and self.services > 1

    @property
    def feed_label(self) -> str:
        """The feed's name as the Connect page shows it: 'Body'."""
        return Feed(self.feed).label

    @property
    def sources(self) -> str:
        """The services that can fill this section, in words: 'Withings or Demo Health'."""
        names = [spec.short_name for spec in feed_sources(self.feed)]
        return " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _when(moment: datetime, *, today: date) -> Cell:
    local = timezone.localtime(moment)
    return Cell(
        f"{fmt.day_label(local.date())} {local:%H:%M}",
        f"{_short(local.date(), today)} {local:%H:%M}",  # on a phone, the time under the day
        wrap=True,
    )


def _day(day: date, *, today: date) -> Cell:
    return Cell(fmt.day_label(day), _short(day, today))


def _short(day: date, today: date) -> str:
    return fmt.phone_day(day, this_year=today.year)


def _source(provider: str) -> Cell:
    return Cell(source_name(provider), muted=True, wide=True)  # phones: under the first cell


def _activity(r: Activity, today: date) -> list[Cell]:
    return [
        _when(r.start, today=today),
        Cell(r.name or r.activity_type.replace("_", " ").capitalize(), wrap=True),
        Cell(fmt.duration(r.duration)),
        Cell(fmt.kilometres(r.distance_m)),
        Cell(fmt.number(r.calories, "kcal"), wide=True),
        _source(r.provider),
    ]


def _sleep(r: SleepSession, today: date) -> list[Cell]:
    stages = ", ".join(f"{stage} {fmt.hours_minutes(m)}" for stage, m in (r.stages or {}).items())
    return [
        _day(timezone.localtime(r.end).date(), today=today),
        Cell(fmt.hours_minutes(r.minutes_asleep)),
        Cell(stages, muted=True, wide=True),
        _source(r.provider),
    ]


def _weigh_in(r: dict, today: date) -> list[Cell]:
    return [
        _when(r["minute"], today=today),
        Cell(fmt.number(r["weight"], "kg", decimals=1)),
        Cell(fmt.number(r["fat"], "%", decimals=1)),
        _source(r["provider"]),
    ]


def _heart(r: DailySummary, today: date) -> list[Cell]:
    return [
        _day(r.date, today=today),
        Cell(fmt.number(r.resting_heart_rate, "bpm")),
        _source(r.provider),
    ]


# The day's scores, each as its provider's app names it, in one cell: a ring's three scores or
# a strap's recovery, strain and HRV read on a phone without another three columns.
SCORES = (
    ("readiness_score", "Readiness", "", 0),
    ("sleep_score", "Sleep", "", 0),
    ("activity_score", "Activity", "", 0),
    ("recovery_score", "Recovery", "%", 0),
    ("strain", "Strain", "", 1),
    ("hrv_ms", "HRV", "ms", 0),
)
SCORED = reduce(operator.or_, (Q(**{f"{name}__isnull": False}) for name, *_ in SCORES))


def _scores(r: DailySummary) -> Cell:
    """'Readiness 66 · Sleep 63 · Activity 82': a phone breaks the line between scores only."""
    given = [
        f"{label} {fmt.number(getattr(r, name), unit, decimals=decimals)}".replace(" ", "\u00a0")
        for name, label, unit, decimals in SCORES
        if getattr(r, name) is not None
    ]
    return Cell(" · ".join(given), wrap=True)


def _daily(r: DailySummary, today: date, *, scores: bool = False) -> list[Cell]:
    return [
        _day(r.date, today=today),
        Cell(fmt.number(r.steps)),
        Cell(fmt.kilometres(r.distance_m), wide=scores),  # a phone has room for one of them
        Cell(fmt.number(r.calories, "kcal"), wide=True),
        Cell(fmt.hours_minutes(r.active_minutes)),
        *([_scores(r)] if scores else []),
        _source(r.provider),
    ]


def _weigh_ins(user) -> QuerySet:
    """One row per weigh-in: a scale's weight and body fat (stored apart by some providers, as
    two records of the same minute) side by side."""
    return (
        BodyMeasurement.objects.filter(user=user)
        .values("provider", minute=TruncMinute("measured_at", tzinfo=UTC))
        .annotate(weight=Max("weight_kg"), fat=Max("fat_percent"))
        .order_by("-minute", "provider")
    )


def my_data(
    *, user, pages: dict[str, int] | None = None, preferences: dict[str, str] | None = None
) -> list[Section]:
    """My data's tables: per section the count and the requested page (two queries each, and one
    for the person's preferred sources unless given)."""
    pages = pages or {}
    if preferences is None:
        preferences = preferred_sources(user)
    today = timezone.localdate()
    owned = {"user": user}
    daily_values = (
        Q(steps__isnull=False)
        | Q(calories__isnull=False)
        | Q(distance_m__isnull=False)
        | Q(active_minutes__isnull=False)
        | SCORED
    )
    # The Scores column only for a person one of whose services gives scores (one query).
    scored = DailySummary.objects.filter(SCORED, **owned).exists()
    plan = [
        (
            Section(
                "Activities",
                "activities",
                "activities",
                "activities",
                ["When", "Activity", "Duration", "Distance", "Calories", "Source"],
                wide_columns=("Calories", "Source"),
            ),
            Activity.objects.filter(**owned).order_by("-start", "-pk"),
            _activity,
        ),
        (
            Section(
                "Sleep",
                "sleep",
                "sleep",
                "sleep",
                ["Night to", "Asleep", "Stages", "Source"],
                wide_columns=("Stages", "Source"),
            ),
            SleepSession.objects.filter(**owned).order_by("-end", "-pk"),
            _sleep,
        ),
        (
            Section(
                "Weigh-ins",
                "body",
                "body",
                "weigh-ins",
                ["When", "Weight", "Body fat", "Source"],
                wide_columns=("Source",),
                counted="weigh-in",
            ),
            _weigh_ins(user),
            _weigh_in,
        ),
        (
            Section(
                "Heart rate",
                "heart_rate",
                "heart_rate",
                "heart rate",
                ["Day", "Resting heart rate", "Source"],
                wide_columns=("Source",),
                counted="day",
                per_day=("heart_rate", "resting_heart_rate"),
            ),
            DailySummary.objects.filter(**owned, resting_heart_rate__isnull=False).order_by(
                "-date", "-pk"
            ),
            _heart,
        ),
        (
            Section(
                "Daily summary",
                "daily",
                "daily",
                "daily summaries",
                [
                    "Day",
                    "Steps",
                    "Distance",
                    "Calories",
                    "Active",
                    *(["Scores"] if scored else []),
                    "Source",
                ],
                wide_columns=("Distance", "Calories", "Source")
                if scored
                else ("Calories", "Source"),
                counted="day",
                per_day=("steps", "steps"),
            ),
            DailySummary.objects.filter(daily_values, **owned).order_by("-date", "-pk"),
            partial(_daily, scores=scored),
        ),
    ]
    sections = []
    for section, queryset, row in plan:
        if section.per_day:
            metric, charted = section.per_day
            totals = queryset.aggregate(
                days=Count("date", distinct=True), services=Count("provider", distinct=True)
            )
            section.count, section.services = totals["days"], totals["services"]
            order = source_order(METRICS[metric], preferences)
            queryset = one_source_per_day(queryset, order=order, charted=charted)
        else:
            section.count = queryset.count()
        section.page = min(max(1, pages.get(section.slug, 1)), section.pages)
        start = (section.page - 1) * PAGE_SIZE
        # Always one query for the rows, even for an empty section: the page's cost is fixed.
        section.rows = [row(r, today) for r in queryset[start : start + PAGE_SIZE]]
        sections.append(section)
    return sections


def source_name(provider: str) -> str:
    spec = PROVIDERS.get(provider)
    return spec.short_name if spec else provider


# Which table and date a feed's records live in, for summaries that show no values.
FEED_RECORDS = {
    "activities": (Activity, "start"),
    "sleep": (SleepSession, "start"),
    "body": (BodyMeasurement, "measured_at"),
    "daily": (DailySummary, "date"),
    "heart_rate": (DailySummary, "date"),
}


def records_summary(*, user_id: int, provider: str, account_uid: str, feed: str):
    """(how many records, the latest record's date) of one feed of one provider account: what
    support may see without the permission to view health values."""
    from django.db.models import Count, Max

    model, date_field = FEED_RECORDS.get(feed, (None, None))
    if model is None:
        return 0, None
    summary = model.objects.filter(
        user_id=user_id, provider=provider, account_uid=account_uid
    ).aggregate(count=Count("id"), latest=Max(date_field))
    return summary["count"], summary["latest"]


def record_span(
    *, user_id: int, provider: str, account_uid: str, key: str
) -> tuple[datetime, datetime] | None:
    """When the provider account's record stored under key happened (start, end), whatever its
    kind; None when no record has that key. A push that names one record (its id, no interval)
    is placed in time by it."""
    owner = {"user_id": user_id, "provider": provider, "account_uid": account_uid, "key": key}
    activity = Activity.objects.filter(**owner).values_list("start", "duration").first()
    if activity:
        start, duration = activity
        return start, start + (duration or timedelta(0))
    sleep = SleepSession.objects.filter(**owner).values_list("start", "end").first()
    if sleep:
        return min(sleep), max(sleep)
    measured = BodyMeasurement.objects.filter(**owner).values_list("measured_at", flat=True).first()
    if measured:
        return measured, measured
    day = DailySummary.objects.filter(**owner).values_list("date", flat=True).first()
    if day:
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        return start, start + timedelta(days=1)
    return None
