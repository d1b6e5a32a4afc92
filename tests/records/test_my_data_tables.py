"""My data's tables read well: separators and units, hours and minutes, one row per weigh-in,
a Heart rate section, newest first, a page at a time, and an empty page that says what to do."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from tests.conftest import page_text
from tests.records.history import store_days

pytestmark = pytest.mark.django_db


def _section(html: str, slug: str) -> str:
    return re.search(rf'<section class="panel records" id="{slug}".*?</section>', html, re.S).group(
        0
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_title_is_my_data(logged_in):
    assert "<title>My data · Tendon</title>" in logged_in.get("/data/").content.decode()


def test_empty_my_data_offers_to_connect_a_service(logged_in):
    response = logged_in.get("/data/")
    html = response.content.decode()

    assert '<a class="button primary" href="/connect/">Connect a service</a>' in html
    sleep = _text(_section(html, "sleep"))
    assert (
        "No sleep yet. The Sleep feed of Fitbit & Pixel Watch, Oura, WHOOP, Polar or Demo Health "
        "fills this table" in (sleep.replace("&amp;", "&"))
    )
    assert "No weigh-ins yet." in page_text(response)
    assert '<svg class="chart"' not in html


def test_numbers_have_separators_and_units(logged_in, user):
    store_days(user, last=timezone.localdate(), days=1, steps=lambda i: 12345)

    html = logged_in.get("/data/").content.decode()

    daily = _text(_section(html, "daily"))
    assert "12,345" in daily and "4.00 km" in daily and "2,100 kcal" in daily
    assert "72.0 kg" in _text(_section(html, "body"))
    assert "55 bpm" in _text(_section(html, "heart_rate"))


def test_durations_read_as_hours_and_minutes(logged_in, user):
    end = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    SleepSession.objects.create(
        user=user,
        provider="demo",
        account_uid="a",
        key="n",
        start=end - timedelta(hours=8),
        end=end,
        minutes_asleep=432,
        stages={"deep": 72},
    )
    Activity.objects.create(
        user=user,
        provider="demo",
        account_uid="a",
        key="w",
        activity_type="RUNNING",
        start=end,
        duration=timedelta(minutes=95),
    )

    html = logged_in.get("/data/").content.decode()

    assert "7 h 12 min" in _text(_section(html, "sleep"))
    assert "deep 1 h 12 min" in _text(_section(html, "sleep"))
    assert "1 h 35 min" in _text(_section(html, "activities"))


def test_weight_and_body_fat_of_one_weigh_in_share_a_row(logged_in, user):
    moment = datetime(2026, 11, 20, 7, 5, 12, tzinfo=UTC)
    for key, values in (("wt", {"weight_kg": 72.4}), ("bf", {"fat_percent": 19.8})):
        BodyMeasurement.objects.create(
            user=user,
            provider="google_health",
            account_uid="g",
            key=key,
            measured_at=moment + timedelta(seconds=len(key)),
            **values,
        )

    body = _section(logged_in.get("/data/").content.decode(), "body")

    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]
    assert len(rows) == 1
    assert "72.4 kg" in rows[0] and "19.8 %" in rows[0]
    assert "(1 weigh-in)" in _text(body)


def test_dates_have_a_compact_form_for_phones(logged_in, user):
    DailySummary.objects.create(
        user=user, provider="demo", account_uid="a", key="d", date=timezone.localdate(), steps=1
    )

    daily = _section(logged_in.get("/data/").content.decode(), "daily")

    today = timezone.localdate()
    assert f'<span class="short">{today.day}\u00a0{today:%b}</span>' in daily  # never broken
    assert f'<span class="long">{today:%a} {today.day} {today:%b %Y}</span>' in daily


def test_tables_are_newest_first_a_page_at_a_time(logged_in, user):
    today = timezone.localdate()
    store_days(user, last=today, days=45)

    first = _section(logged_in.get("/data/").content.decode(), "daily")
    third = _section(logged_in.get("/data/?daily_page=3&range=7d").content.decode(), "daily")

    assert "1–20 of 45, newest first." in _text(first)
    assert first.count("<tr>") == 1 + 20
    assert '<a href="?daily_page=2#daily">Older →</a>' in first
    days = re.findall(r'<span class="long">([^<]+)</span>', first)
    assert days[0].endswith(f"{today.day} {today:%b %Y}")
    assert third.count("<tr>") == 1 + 5
    assert "range=7d" in re.search(r'<a href="([^"]+)">← Newer</a>', third).group(1)


def test_a_page_past_the_end_shows_the_last_page(logged_in, user):
    store_days(user, last=timezone.localdate(), days=25)

    response = logged_in.get("/data/?daily_page=99&sleep_page=abc")

    assert response.status_code == 200
    assert "Page 2 of 2" in _text(_section(response.content.decode(), "daily"))


def test_a_table_from_one_service_names_it_once_above_the_rows_on_a_phone(logged_in, user):
    store_days(user, provider="demo", last=timezone.localdate(), days=3)

    daily = _section(logged_in.get("/data/").content.decode(), "daily")

    assert '<span class="short" data-one-source>From Demo Health. </span>' in daily
    assert '<th scope="col" class="wide">Source</th>' in daily  # the column is left out
    assert 'class="short source"' not in daily


def test_a_table_from_two_services_names_each_rows_service_under_its_day_on_a_phone(
    logged_in, user
):
    today = timezone.localdate()
    store_days(user, provider="demo", last=today, days=3)
    store_days(user, provider="withings", last=today, days=3, every=2)  # today, the day before

    daily = _section(logged_in.get("/data/").content.decode(), "daily")

    assert "data-one-source" not in daily
    assert '<th scope="col" class="wide">Source</th>' in daily
    day = f'<span class="short">{today.day}\u00a0{today:%b}</span>'
    assert f'{day}<span class="short source">Withings</span></td>' in daily
    assert '<td class="muted wide">Withings</td>' in daily  # the desktop's column


def test_record_counts_have_thousands_separators(logged_in, user):
    today = timezone.localdate()
    DailySummary.objects.bulk_create(
        DailySummary(
            user=user,
            provider="demo",
            account_uid="a",
            key=str(n),
            date=today - timedelta(days=n),
            steps=1,
        )
        for n in range(1025)
    )

    daily = _text(_section(logged_in.get("/data/?daily_page=52").content.decode(), "daily"))

    assert "Daily summary (1,025 days)" in daily
    assert "1,021–1,025 of 1,025, newest first." in daily


def _day(user, provider: str, days_ago: int, **values) -> None:
    day = timezone.localdate() - timedelta(days=days_ago)
    DailySummary.objects.create(
        user=user, provider=provider, account_uid="a", key=str(day), date=day, **values
    )


def test_the_daily_table_shows_the_scores_a_ring_or_strap_gives(logged_in, user):
    _day(user, "oura", 1, steps=9000, readiness_score=66, sleep_score=63, activity_score=82)
    _day(user, "whoop", 2, calories=1981.0, strain=5.2951527, recovery_score=44, hrv_ms=31.8)
    _day(user, "demo", 3, steps=1200)

    daily = _section(logged_in.get("/data/").content.decode(), "daily")

    assert '<th scope="col">Scores</th>' in daily
    rows = re.findall(r"<tr>(.*?)</tr>", daily, re.S)[1:]  # no space breaks inside a score
    assert "Readiness\u00a066 · Sleep\u00a063 · Activity\u00a082" in rows[0]
    assert "Recovery\u00a044\u00a0% · Strain\u00a05.3 · HRV\u00a032\u00a0ms" in rows[1]
    assert "Readiness" not in rows[2] and "Strain" not in rows[2]
    assert "(3 days)" in _text(daily)


def test_a_day_with_only_scores_is_listed(logged_in, user):
    _day(user, "whoop", 1, recovery_score=71)

    daily = _section(logged_in.get("/data/").content.decode(), "daily")

    assert "(1 day)" in _text(daily) and "Recovery\u00a071\u00a0%" in daily


def test_the_daily_table_has_no_scores_column_for_services_without_scores(logged_in, user):
    store_days(user, provider="demo", last=timezone.localdate(), days=3)

    daily = _section(logged_in.get("/data/").content.decode(), "daily")

    assert "Scores" not in daily
