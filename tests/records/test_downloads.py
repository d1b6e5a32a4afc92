"""My data: every record of a feed can be downloaded, as CSV or JSON, by its owner only."""

from __future__ import annotations

import csv
import io
import json

import pytest

from records.models import Activity, DailySummary, SleepSession

pytestmark = pytest.mark.django_db


def _download(client, path: str) -> tuple[str, str]:
    response = client.get(path)
    assert response.status_code == 200
    return response["Content-Disposition"], b"".join(response.streaming_content).decode()


def test_csv_has_every_record_of_the_feed_not_just_the_latest(
    logged_in, demo_connected, run_import, user
):
    run_import(demo_connected("daily")["daily"])
    count = DailySummary.objects.filter(user=user).count()
    assert count > 20  # more than the page shows

    disposition, body = _download(logged_in, "/data/daily.csv")

    rows = list(csv.DictReader(io.StringIO(body)))
    assert disposition.startswith('attachment; filename="tendon-daily-')
    assert len(rows) == count
    newest = DailySummary.objects.filter(user=user).order_by("-date").first()
    assert rows[0]["date"] == newest.date.isoformat()
    assert rows[0]["steps"] == str(newest.steps)
    assert rows[0]["source"] == "Demo Health"


def test_json_keeps_durations_and_sleep_stages_readable(
    logged_in, demo_connected, run_import, user
):
    connections = demo_connected("activities", "sleep")
    run_import(connections["activities"])
    run_import(connections["sleep"])

    _, activities = _download(logged_in, "/data/activities.json")
    _, sleep = _download(logged_in, "/data/sleep.json")

    first = json.loads(activities)[0]
    newest = Activity.objects.filter(user=user).order_by("-start").first()
    assert first["record_id"] == newest.key
    assert first["duration_s"] == newest.duration.total_seconds()
    night = json.loads(sleep)[0]
    assert night["stages"] == SleepSession.objects.get(user=user, key=night["record_id"]).stages


SCORES = ("readiness_score", "sleep_score", "activity_score", "strain", "recovery_score", "hrv_ms")


def test_daily_downloads_carry_every_score_a_service_gives(logged_in, user):
    from datetime import date

    ring = {"readiness_score": 66, "sleep_score": 63, "activity_score": 82}
    strap = {"strain": 5.3, "recovery_score": 44, "hrv_ms": 31.8}
    for provider, day, values in (
        ("oura", date(2026, 11, 2), ring),
        ("whoop", date(2026, 11, 1), strap),
    ):
        DailySummary.objects.create(
            user=user, provider=provider, account_uid="a", key=str(day), date=day, **values
        )

    _, body = _download(logged_in, "/data/daily.csv")
    _, as_json = _download(logged_in, "/data/daily.json")

    oura, whoop = list(csv.DictReader(io.StringIO(body)))
    assert [oura[s] for s in SCORES] == ["66", "63", "82", "", "", ""]
    assert [whoop[s] for s in SCORES] == ["", "", "", "5.3", "44", "31.8"]
    first, second = json.loads(as_json)
    assert (first["readiness_score"], second["hrv_ms"], second["sleep_score"]) == (66, 31.8, None)


def test_a_download_holds_only_the_owners_records(
    client, logged_in, user_factory, demo_connected, run_import
):
    run_import(demo_connected("sleep")["sleep"])
    client.force_login(user_factory())

    _, body = _download(client, "/data/sleep.csv")

    assert body.strip().splitlines() == [
        "source,provider_account,record_id,start,end,minutes_asleep,stages"
    ]


@pytest.mark.parametrize("path", ["/data/passwords.csv", "/data/sleep.xml"])
def test_an_unknown_download_is_not_found(logged_in, path):
    response = logged_in.get(path)

    assert response.status_code == 404
    assert "There is nothing here for your account." in response.content.decode()


def test_downloads_need_a_login(client):
    response = client.get("/data/sleep.csv")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_data_page_offers_the_downloads(logged_in, demo_connected, run_import):
    run_import(demo_connected("daily")["daily"])

    page = logged_in.get("/data/").content.decode()

    count = DailySummary.objects.count()
    assert 'href="/data/daily.csv"' in page and 'href="/data/daily.json"' in page
    assert 'href="/data/daily.omh.json"' in page
    assert f"1–20 of {count}, newest first." in page


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(logged_in, user, name):
    from datetime import timedelta

    from django.utils import timezone

    Activity.objects.create(
        user=user,
        provider="demo",
        account_uid="a",
        key="k1",
        activity_type="RUNNING",
        name=name,
        start=timezone.now(),
        duration=timedelta(minutes=30),
        steps=4200,
    )

    _disposition, body = _download(logged_in, "/data/activities.csv")

    (row,) = csv.DictReader(io.StringIO(body))
    assert row["name"] == "'" + name
    assert row["steps"] == "4200" and row["duration_s"] == "1800"  # numbers stay numbers
