"""My data leads with charts: drawn on the server, accessible, in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from records.models import Activity, BodyMeasurement, DailySummary, DailyValue, SleepSession
from records.services.daily_values import daily_values_rebuild, daily_values_refresh, record_days
from tests.conftest import page_text
from tests.records.history import store_days

pytestmark = pytest.mark.django_db

CHARTS = ("steps", "sleep", "body", "heart", "zones", "activities")


def _figure(html: str, chart: str) -> str:
    match = re.search(rf'<figure[^>]*data-chart="{chart}".*?</figure>', html, re.S)
    assert match, f"no {chart} chart"
    return match.group(0)


def _queries(client, path: str) -> list[str]:
    with CaptureQueriesContext(db) as captured:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_every_chart_is_drawn_with_a_title_a_summary_and_its_numbers(logged_in, user):
    store_days(user, last=timezone.localdate(), days=40)

    html = logged_in.get("/data/").content.decode()

    for chart in CHARTS:
        figure = _figure(html, chart)
        svg = re.search(r"<svg class=\"chart\"[^>]*>", figure).group(0)
        assert 'role="img"' in svg
        assert f'aria-labelledby="chart-{chart}-title chart-{chart}-desc"' in svg
        assert f'<title id="chart-{chart}-title">' in figure
        assert f'<desc id="chart-{chart}-desc">' in figure
        assert "<summary>Show the numbers</summary>" in figure and "<table>" in figure


def test_the_range_is_chosen_in_the_url_and_shown_as_current(logged_in, user):
    store_days(user, last=timezone.localdate(), days=40)

    html = logged_in.get("/data/?range=7d").content.decode()

    assert '<a href="?range=7d" class="here" aria-current="page">7 days</a>' in html
    steps = _figure(html, "steps")
    assert "over the last 7 days (7 days with steps)" in page_text_of(steps)
    assert steps.count("<tr>") == 1 + 7  # header and one row per day


def page_text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def test_an_unknown_range_shows_the_default_thirty_days(logged_in, user):
    store_days(user, last=timezone.localdate(), days=40)

    response = logged_in.get("/data/?range=forever")

    assert response.status_code == 200
    assert "over the last 30 days" in page_text(response)


def test_one_day_of_data_draws_a_single_bar(logged_in, user):
    store_days(user, last=timezone.localdate(), days=1)

    steps = _figure(logged_in.get("/data/?range=7d").content.decode(), "steps")

    bars = re.search(r'<path class="bar steps" d="([^"]+)"', steps).group(1)
    assert bars.count("M") == 1
    assert "(1 day with steps)" in page_text_of(steps)


def test_gaps_break_the_resting_heart_rate_line(logged_in, user):
    store_days(user, last=timezone.localdate(), days=30, every=3)

    heart = _figure(logged_in.get("/data/?range=30d").content.decode(), "heart")

    line = re.search(r'<path class="line heart" d="([^"]+)"', heart).group(1)
    assert line.count("M") == 10 and "L" not in line  # ten days, none next to another


def test_extreme_values_stay_inside_the_chart(logged_in, user):
    store_days(user, last=timezone.localdate(), days=7, steps=lambda i: 10_000_000 if i else 1)

    steps = _figure(logged_in.get("/data/?range=7d").content.decode(), "steps")

    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", _path(steps, "bar steps"))]
    assert min(numbers) >= 0 and max(numbers) <= 100
    assert "Most: 10,000,000 on" in page_text_of(steps)
    assert ">10,000,000</text>" in steps


def _path(figure: str, css: str) -> str:
    return re.search(rf'<path class="{css}" d="([^"]+)"', figure).group(1)


def test_charts_without_data_say_so_instead_of_drawing(logged_in, user):
    store_days(user, last=timezone.localdate() - timedelta(days=60), days=5)

    html = logged_in.get("/data/?range=7d").content.decode()

    assert "No steps in the last 7 days." in page_text_of(_figure(html, "steps"))
    assert '<svg class="chart"' not in html


def test_the_page_costs_the_same_queries_for_a_week_and_a_year_of_five(
    logged_in, user, django_assert_max_num_queries
):
    store_days(user, last=timezone.localdate(), days=5 * 365)
    week = _queries(logged_in, "/data/?range=7d")
    year = _queries(logged_in, "/data/?range=1y")

    assert len(year) == len(week)
    # The session and the person, the banner and the notice (a query each), the preferred
    # sources for the tables and for the charts, a count and a page for each of the five tables,
    # and the charts' one range query: 17 whatever the range or the years of data.
    with django_assert_max_num_queries(17):
        logged_in.get("/data/?range=1y")
    charts = [sql for sql in year if "records_dailyvalue" in sql]
    assert len(charts) == 1  # every chart reads the one range query of daily values


def test_the_page_costs_the_same_queries_for_one_day_of_records_as_for_five_years(logged_in, user):
    today = timezone.localdate()
    store_days(user, last=today, days=1)
    one_day = _queries(logged_in, "/data/?range=1y")
    store_days(user, provider="withings", last=today, days=5 * 365)

    assert len(_queries(logged_in, "/data/?range=1y")) == len(one_day)


def _night(user, day, *, asleep: int, stages: dict, provider: str = "demo") -> None:
    end = datetime.combine(day, time(6, 30), tzinfo=UTC)
    night = SleepSession.objects.create(
        user=user,
        provider=provider,
        account_uid="a",
        key=f"n{day}",
        start=end - timedelta(hours=8),
        end=end,
        minutes_asleep=asleep,
        stages=stages,
    )
    daily_values_refresh(user_id=user.pk, provider=provider, days=record_days([night]))


def test_sleep_stacks_stages_where_known_and_draws_the_total_otherwise(logged_in, user):
    today = timezone.localdate()
    _night(user, today, asleep=432, stages={"deep": 72, "rem": 90, "light": 270, "awake": 20})
    _night(user, today - timedelta(days=1), asleep=400, stages={})

    sleep = _figure(logged_in.get("/data/?range=7d").content.decode(), "sleep")

    for stage in ("deep", "rem", "light"):
        assert _path(sleep, f"bar stage-{stage}").count("M") == 1
    assert _path(sleep, "bar sleep-total").count("M") == 1
    assert "Asleep (no stages)" in page_text_of(sleep)
    assert "7 h 12 min" in page_text_of(sleep) and "6 h 40 min" in page_text_of(sleep)


def test_weight_and_body_fat_label_both_axes_with_their_units(logged_in, user):
    store_days(user, last=timezone.localdate(), days=30)

    body = _figure(logged_in.get("/data/?range=30d").content.decode(), "body")

    left = re.findall(r'<text class="axis" x="0"[^>]*>([^<]+)</text>', body)
    right = re.findall(r'<text class="axis right"[^>]*>([^<]+)</text>', body)
    assert left and all(label.endswith(" kg") for label in left)
    assert right and all(label.endswith(" %") for label in right)
    assert "<title>Weight, smoothed</title>" in body and "<title>Body fat, smoothed</title>" in body


def test_heart_rate_zones_are_left_out_when_no_service_gives_them(logged_in, user):
    store_days(user, last=timezone.localdate(), days=14)
    Activity.objects.update(heart_rate_zones={})
    DailyValue.objects.update(heart_rate_zones={})

    html = logged_in.get("/data/?range=30d").content.decode()

    assert 'data-chart="zones"' not in html
    assert 'data-chart="activities"' in html


def test_workouts_per_week_are_stacked_by_type(logged_in, user):
    today = timezone.localdate()
    kinds = ["RUNNING", "RUNNING", "WALKING", "BIKING", "SWIMMING", "YOGA", "HIKING"]
    workouts = Activity.objects.bulk_create(
        Activity(
            user=user,
            provider="demo",
            account_uid="a",
            key=f"w{n}",
            activity_type=kind,
            start=datetime.combine(today - timedelta(days=n), time(12), tzinfo=UTC),
        )
        for n, kind in enumerate(kinds)
    )
    daily_values_refresh(user_id=user.pk, provider="demo", days=record_days(workouts))

    activities = _figure(logged_in.get("/data/?range=30d").content.decode(), "activities")

    assert "7 workouts in the last 30 days: 2 Running, 1 Biking, 1 Hiking" in page_text_of(
        activities
    )
    legend = re.findall(r'<li><span class="swatch kind-\d"></span>([^<]+)</li>', activities)
    assert legend == ["Running", "Biking", "Hiking", "Swimming", "Other"]
    assert len(re.findall(r'<path class="bar kind-\d"', activities)) == 5


def test_extreme_weights_heart_rates_and_nights_stay_inside_their_charts(logged_in, user):
    store_days(user, last=timezone.localdate(), days=7)
    BodyMeasurement.objects.filter(pk=BodyMeasurement.objects.order_by("pk")[0].pk).update(
        weight_kg=0.4, fat_percent=0.0
    )
    BodyMeasurement.objects.filter(pk=BodyMeasurement.objects.order_by("-pk")[0].pk).update(
        weight_kg=635.0, fat_percent=100.0
    )
    DailySummary.objects.filter(pk=DailySummary.objects.order_by("pk")[0].pk).update(
        resting_heart_rate=25
    )
    DailySummary.objects.filter(pk=DailySummary.objects.order_by("-pk")[0].pk).update(
        resting_heart_rate=250
    )
    SleepSession.objects.filter(pk=SleepSession.objects.order_by("pk")[0].pk).update(
        minutes_asleep=1, stages={}
    )
    SleepSession.objects.filter(pk=SleepSession.objects.order_by("-pk")[0].pk).update(
        minutes_asleep=24 * 60, stages={"deep": 2000, "light": 2000}
    )
    daily_values_rebuild()

    html = logged_in.get("/data/?range=7d").content.decode()

    for chart in ("body", "heart", "sleep"):
        figure = _figure(html, chart)
        marks = re.findall(r'<path class="[^"]+" d="([^"]+)"', figure)
        numbers = [float(n) for d in marks for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
        assert numbers and min(numbers) >= 0 and max(numbers) <= 100, chart
    text = page_text_of(html)
    assert "635.0 kg" in text and "250 bpm" in text and "24 h" in text


def test_a_chart_s_numbers_have_compact_days_for_phones(logged_in, user):
    today = timezone.localdate()
    store_days(user, last=today, days=3)

    steps = _figure(logged_in.get("/data/?range=7d").content.decode(), "steps")

    assert (
        f'<td><span class="long">{today:%a} {today.day} {today:%b %Y}</span>'
        f'<span class="short">{today.day}\u00a0{today:%b}</span>'  # never broken over lines
    ) in steps


def test_a_chart_s_stages_and_sources_are_left_out_on_phones_and_the_source_goes_under_the_day(
    logged_in, user
):
    today = timezone.localdate()
    store_days(user, last=today, days=3)

    sleep = _figure(logged_in.get("/data/?range=7d").content.decode(), "sleep")

    assert '<th scope="col" class="wide">Stages</th>' in sleep
    assert '<th scope="col" class="wide">Source</th>' in sleep
    assert '<th scope="col">Asleep</th>' in sleep
    assert '<span class="short source">Demo Health</span></td>' in sleep
    assert '<td class="wide">Demo Health</td>' in sleep


def test_a_year_of_resting_heart_rate_is_a_line_without_a_dot_a_day(logged_in, user):
    today = timezone.localdate()
    store_days(user, last=today, days=365)
    store_days(user, provider="withings", last=today - timedelta(days=200), days=1)
    DailyValue.objects.filter(
        user=user,
        provider="demo",
        day__in=[
            today - timedelta(days=199),
            today - timedelta(days=200),
            today - timedelta(days=201),
        ],
    ).delete()

    heart = _figure(logged_in.get("/data/?range=1y").content.decode(), "heart")

    assert _path(heart, "dot heart").count("M") == 1  # only the day with no neighbours
    assert _path(heart, "line heart").count("M") == 3  # the lone day starts a line of its own


@pytest.mark.skipif(db.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_charts_read_their_days_through_the_index(logged_in, user):
    store_days(user, last=timezone.localdate(), days=30)
    (charts,) = [
        sql for sql in _queries(logged_in, "/data/?range=1y") if "records_dailyvalue" in sql
    ]

    with db.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + charts)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())

    # SQLite names the unique (user, day, provider) constraint's index itself.
    assert re.search(
        r"SEARCH records_dailyvalue USING INDEX \S+ \(user_id=\? AND day>\? AND day<\?\)", plan
    )
