"""One view across providers: one value per day from the preferred source, never the sum."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import Connection
from records.models import SourcePreference
from tests.conftest import page_text
from tests.records.history import store_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sources(user):
    today = timezone.localdate()
    store_days(user, provider="demo", last=today, days=7, steps=lambda i: 1000)
    store_days(user, provider="withings", last=today, days=7, every=2, steps=lambda i: 700)
    return user


def _steps_rows(client) -> list[tuple[str, str]]:
    return [(row[1], row[3]) for row in _chart_table(client, "steps")]


def test_a_day_two_services_report_shows_one_of_them_never_the_sum(logged_in, two_sources):
    rows = _steps_rows(logged_in)

    # The registry lists Withings before the demo provider: it comes first when it has the day.
    assert rows.count(("700", "Withings")) == 4
    assert rows.count(("1,000", "Demo Health")) == 3
    assert not any(value in ("1,700", "1700") for value, _ in rows)


def test_the_chart_says_which_source_is_shown(logged_in, two_sources):
    text = page_text(logged_in.get("/data/?range=7d"))

    assert "Sources: Withings on 4 days, Demo Health on 3 other days." in text
    assert "never the sum" in text


def test_the_preferred_source_comes_first(logged_in, two_sources):
    response = logged_in.post("/data/sources/", {"prefer_steps": "demo"})

    assert response.status_code == 302 and response["Location"] == "/accounts/notifications/"
    assert _steps_rows(logged_in) == [("1,000", "Demo Health")] * 7


def test_settings_offers_the_services_a_person_has_for_steps(logged_in, two_sources):
    html = logged_in.get("/accounts/notifications/").content.decode()

    select = re.search(r'<select id="prefer_steps".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', select) == ["withings", "demo"]  # registry order
    assert "Prefer steps from:" in html


def test_settings_offers_a_service_connected_for_the_feed_before_it_has_data(logged_in, user):
    store_days(user, provider="demo", last=timezone.localdate(), days=3)
    Connection.objects.create(user=user, provider="withings", feed="body", account_uid="w1")

    html = logged_in.get("/accounts/notifications/").content.decode()

    body = re.search(r'<select id="prefer_body".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', body) == ["withings", "demo"]
    assert 'id="prefer_steps"' not in html  # Withings is connected for weigh-ins only


def test_settings_asks_nothing_of_a_person_with_one_service(logged_in, user):
    store_days(user, provider="demo", last=timezone.localdate(), days=3)

    html = logged_in.get("/accounts/notifications/").content.decode()

    assert "Prefer" not in html and "Preferred sources" not in html


def test_settings_shows_the_saved_preference(logged_in, two_sources):
    SourcePreference.objects.create(user=two_sources, metric="body", provider="withings")

    html = logged_in.get("/accounts/notifications/").content.decode()

    assert re.search(r'<option value="withings" selected>Withings</option>', html)


@pytest.mark.parametrize(
    "data",
    [
        {"prefer_steps": "strava"},
        {"prefer_sleep": "withings"},
        {"prefer_body": "demo", "prefer_steps": "x"},
    ],
)
def test_a_source_that_cannot_bring_the_metric_is_refused_and_nothing_changes(
    logged_in, user, data
):
    SourcePreference.objects.create(user=user, metric="steps", provider="withings")

    response = logged_in.post("/data/sources/", data, follow=True)

    assert "That service cannot be chosen there. Nothing was changed." in page_text(response)
    assert list(SourcePreference.objects.values_list("metric", "provider")) == [
        ("steps", "withings")
    ]


def test_choosing_sources_needs_a_post(logged_in):
    assert logged_in.get("/data/sources/").status_code == 405


def _chart_table(client, chart: str, path: str = "/data/?range=7d") -> list[list[str]]:
    html = client.get(path).content.decode()
    figure = re.search(rf'data-chart="{chart}".*?</figure>', html, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", figure, re.S).group(1)
    return [
        [
            re.sub(r'<span class="short[^"]*">.*?</span>|<[^>]+>', "", cell).replace("&amp;", "&")
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def fitbit_and_polar(user):
    """Fitbit reports every day of the week, Polar every other day: every kind of record."""
    today = timezone.localdate()
    store_days(user, provider="google_health", last=today, days=7)
    store_days(user, provider="polar", last=today, days=7, every=2)
    return user


@pytest.mark.parametrize(
    ("chart", "metric"),
    [("sleep", "sleep"), ("heart", "heart_rate"), ("body", "body"), ("steps", "steps")],
)
def test_every_daily_chart_shows_one_row_a_day_from_the_preferred_source(
    logged_in, fitbit_and_polar, chart, metric
):
    before = _chart_table(logged_in, chart)
    logged_in.post("/data/sources/", {f"prefer_{metric}": "polar"})
    after = _chart_table(logged_in, chart)

    assert len({row[0] for row in before}) == len(before)  # one row a day
    assert {row[-1] for row in before} == {"Fitbit & Pixel Watch"}
    assert [row[0] for row in after] == [row[0] for row in before]
    assert {row[-1] for row in after} == {"Polar", "Fitbit & Pixel Watch"}


def test_workouts_of_a_day_two_services_report_come_from_the_preferred_one(
    logged_in, fitbit_and_polar
):
    before = _chart_table(logged_in, "activities")
    logged_in.post("/data/sources/", {"prefer_activities": "polar"})
    after = _chart_table(logged_in, "activities")

    assert {row[-1] for row in before} == {"Fitbit & Pixel Watch"}
    assert "Polar" in {source for row in after for source in row[-1].split(" / ")}


def test_fitbit_and_withings_weigh_ins_make_one_weight_series_naming_each_point_s_source(
    logged_in, user
):
    today = timezone.localdate()
    store_days(user, provider="google_health", last=today, days=7)  # weighs on days 0, 3, 6
    store_days(user, provider="withings", last=today - timedelta(days=1), days=2)  # day 1

    html = logged_in.get("/data/?range=7d").content.decode()

    figure = re.search(r'data-chart="body".*?</figure>', html, re.S).group(0)
    assert figure.count('<path class="line weight"') == 1
    dots = dict(
        re.findall(r'<path class="dot weight[^"]*" d="([^"]+)"[^>]*><title>([^<]+)', figure)
    )
    by_source = {title.replace("&amp;", "&"): d.count("M") for d, title in dots.items()}
    assert by_source == {"Weight from Fitbit & Pixel Watch": 3, "Weight from Withings": 1}


def _record_rows(client, slug: str, path: str = "/data/?range=7d") -> list[list[str]]:
    """A record table's rows as desktop shows them: the long day, the values, the source."""
    html = client.get(path).content.decode()
    section = re.search(rf'<section class="panel records" id="{slug}".*?</section>', html, re.S)
    body = re.search(r"<tbody>(.*?)</tbody>", section.group(0), re.S).group(1)
    return [
        [
            re.sub(r'<span class="short[^"]*"[^>]*>.*?</span>|<[^>]+>', "", cell).replace(
                "&amp;", "&"
            )
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.mark.parametrize(("slug", "chart"), [("daily", "steps"), ("heart_rate", "heart")])
def test_a_day_two_services_report_is_one_table_row_from_the_source_the_chart_shows(
    logged_in, fitbit_and_polar, slug, chart
):
    rows = _record_rows(logged_in, slug)
    charted = _chart_table(logged_in, chart)

    assert len(rows) == 7 and len({row[0] for row in rows}) == 7  # one row a day
    assert [row[-1] for row in rows] == [row[-1] for row in reversed(charted)]
    assert {row[-1] for row in rows} == {"Fitbit & Pixel Watch"}


@pytest.mark.parametrize(("slug", "metric"), [("daily", "steps"), ("heart_rate", "heart_rate")])
def test_the_tables_follow_the_preferred_source_like_the_charts(
    logged_in, fitbit_and_polar, slug, metric
):
    logged_in.post("/data/sources/", {f"prefer_{metric}": "polar"})

    rows = _record_rows(logged_in, slug)

    assert [row[-1] for row in rows] == ["Polar", "Fitbit & Pixel Watch"] * 3 + ["Polar"]


def test_the_daily_table_shows_the_day_s_values_of_the_service_whose_steps_are_charted(
    logged_in, two_sources
):
    rows = _record_rows(logged_in, "daily")

    assert [(row[1], row[-1]) for row in rows] == [
        ("700", "Withings"),
        ("1,000", "Demo Health"),
    ] * 3 + [("700", "Withings")]


def test_tables_of_two_services_count_days_and_say_one_service_is_shown_per_day(
    logged_in, fitbit_and_polar
):
    text = page_text(logged_in.get("/data/"))

    assert "Daily summary (7 days)" in text and "Heart rate (7 days)" in text
    assert (
        "One row per day: where two services report a day, the one you prefer is shown, "
        "as in the chart above." in text
    )


def test_a_table_of_one_service_says_nothing_about_picking(logged_in, user):
    store_days(user, provider="demo", last=timezone.localdate(), days=3)

    assert "One row per day" not in page_text(logged_in.get("/data/"))


def test_a_table_of_two_services_pages_by_day(logged_in, user):
    today = timezone.localdate()
    store_days(user, provider="google_health", last=today, days=45)
    store_days(user, provider="polar", last=today, days=45, every=2)

    html = logged_in.get("/data/?daily_page=3").content.decode()

    section = re.search(r'<section class="panel records" id="daily".*?</section>', html, re.S)
    assert "41–45 of 45, newest first." in " ".join(
        re.sub(r"<[^>]+>", " ", section.group(0)).split()
    )
    assert len(_record_rows(logged_in, "daily", "/data/?daily_page=3")) == 5


@pytest.fixture
def four_scales(user):
    """Four services that weigh, each on a day of its own this week."""
    today = timezone.localdate()
    for offset, provider in enumerate(("google_health", "withings", "polar", "demo")):
        store_days(user, provider=provider, last=today - timedelta(days=offset), days=1)
    return user


def test_four_services_weigh_ins_get_four_different_marks(logged_in, four_scales):
    figure = re.search(
        r'data-chart="body".*?</figure>', logged_in.get("/data/?range=7d").content.decode(), re.S
    ).group(0)

    dots = re.findall(
        r'<path class="dot weight ([^"]+)" d="[^"]+"[^>]*><title>Weight from ([^<]+)</title>',
        figure,
    )
    assert len(dots) == 4
    shapes = [c for classes, _ in dots for c in classes.split() if c.startswith("shape-")]
    assert len(set(shapes)) == 4  # told apart by shape too, not by colour alone
    legend = re.findall(r'<span class="swatch weight ([^"]+)"></span>Weight from', figure)
    assert legend == [classes for classes, _ in dots]  # the legend shows each mark as drawn
    hollow = [classes for classes, _ in dots if "hollow" in classes]
    # a hole over each hollow series, of weight and of body fat
    assert hollow and figure.count('<path class="dot-hole') == 2 * len(hollow)


def test_source_marks_never_repeat_for_a_dozen_services():
    from records.charts.trends import source_look

    looks = [source_look(rank) for rank in range(12)]

    assert len(set(looks)) == 12
    assert {look.split()[1] for look in looks[:4]} == {
        "shape-round",
        "shape-square",
        "shape-round-hollow",
        "shape-square-hollow",
    }
