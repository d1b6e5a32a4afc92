"""Open mHealth downloads: every data point validates against the published schemas."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from jsonschema import ValidationError

from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from tests.records.history import store_days
from tests.records.omh_schemas import validate, validate_data_point

pytestmark = pytest.mark.django_db

EVERY_FEED = ("activities", "sleep", "body", "heart_rate", "daily")


def _download(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


@pytest.fixture
def imported(user):
    """Every kind of record, stored directly (quick); the zip test below imports for real."""
    store_days(user, last=timezone.localdate(), days=9)


@pytest.fixture
def demo_imported(demo_connected, run_import):
    for connection in demo_connected(*EVERY_FEED).values():
        run_import(connection)


@pytest.mark.parametrize(
    ("feed", "schemas"),
    [
        ("activities", {"physical-activity"}),
        ("sleep", {"sleep-episode", "sleep-duration"}),
        ("body", {"body-weight", "body-fat-percentage"}),
        ("heart_rate", {"heart-rate"}),
        ("daily", {"step-count"}),
    ],
)
def test_each_feed_downloads_as_open_mhealth_points_that_validate(
    logged_in, imported, feed, schemas
):
    points = json.loads(_download(logged_in, f"/data/{feed}.omh.json"))

    assert points
    assert {p["header"]["schema_id"]["name"] for p in points} == schemas
    for point in points:
        validate_data_point(point)


def test_a_data_point_header_names_its_source_and_is_stable(logged_in, imported):
    first = json.loads(_download(logged_in, "/data/body.omh.json"))
    again = json.loads(_download(logged_in, "/data/body.omh.json"))

    header = first[0]["header"]
    newest = BodyMeasurement.objects.order_by("-measured_at").first()
    assert header["acquisition_provenance"] == {
        "source_name": "Demo Health",
        "source_data_point_id": newest.key,
    }
    assert header["schema_id"]["version"] in ("2.0", "1.0")
    assert datetime.fromisoformat(header["creation_date_time"]).tzinfo is not None
    assert [p["header"]["id"] for p in first] == [p["header"]["id"] for p in again]
    assert len({p["header"]["id"] for p in first}) == len(first)


def test_weigh_in_with_weight_and_fat_becomes_two_points(logged_in, imported):
    points = json.loads(_download(logged_in, "/data/body.omh.json"))

    weights = [p for p in points if p["header"]["schema_id"]["name"] == "body-weight"]
    fats = [p for p in points if p["header"]["schema_id"]["name"] == "body-fat-percentage"]
    assert len(weights) == BodyMeasurement.objects.filter(weight_kg__isnull=False).count()
    assert len(fats) == BodyMeasurement.objects.filter(fat_percent__isnull=False).count()
    assert weights[0]["body"]["body_weight"]["unit"] == "kg"


def test_resting_heart_rate_says_it_was_measured_at_rest(logged_in, imported):
    points = json.loads(_download(logged_in, "/data/heart_rate.omh.json"))

    assert points
    for point in points:
        assert point["body"]["temporal_relationship_to_physical_activity"] == "at rest"
        validate_data_point(point)


def test_the_validator_rejects_a_heart_rate_with_an_unknown_relationship_to_activity():
    body = {
        "heart_rate": {"value": 58, "unit": "beats/min"},
        "effective_time_frame": {"date_time": "2024-12-01T08:00:00+01:00"},
        "temporal_relationship_to_physical_activity": "resting",
    }

    with pytest.raises(ValidationError, match="resting"):
        validate(body, "heart-rate-2.0.json")


def test_the_validator_rejects_a_point_that_breaks_the_schema():
    with pytest.raises(ValidationError):
        validate({"body_weight": {"value": 72, "unit": "stone"}}, "body-weight-2.0.json")


@pytest.mark.parametrize("moment", ["yesterday-ish", "2024-12-01T08:00:00", "2024-12-01"])
def test_the_validator_rejects_a_creation_time_that_is_not_an_rfc3339_date_time(
    logged_in, imported, moment
):
    point = json.loads(_download(logged_in, "/data/body.omh.json"))[0]
    point["header"]["creation_date_time"] = moment

    with pytest.raises(ValidationError, match="date-time"):
        validate_data_point(point)


def test_download_everything_is_one_zip_with_every_feed(logged_in, demo_imported):
    archive = zipfile.ZipFile(io.BytesIO(_download(logged_in, "/data/everything.zip?format=omh")))

    assert sorted(archive.namelist()) == sorted(f"tendon-{f}.omh.json" for f in EVERY_FEED)
    for name in archive.namelist():
        for point in json.loads(archive.read(name)):
            validate_data_point(point)


def test_download_everything_as_csv_holds_every_record(logged_in, imported):
    response = logged_in.get("/data/everything.zip")
    body = b"".join(response.streaming_content)

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="tendon-everything-')
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    lines = {n: archive.read(n).decode().strip().splitlines() for n in archive.namelist()}
    assert len(lines["tendon-activities.csv"]) == Activity.objects.count() + 1
    assert len(lines["tendon-sleep.csv"]) == SleepSession.objects.count() + 1
    assert len(lines["tendon-daily.csv"]) == DailySummary.objects.count() + 1


def test_download_everything_in_an_unknown_format_is_not_found(logged_in):
    response = logged_in.get("/data/everything.zip?format=xml")

    assert response.status_code == 404


@pytest.mark.parametrize("feed", EVERY_FEED)
def test_every_data_point_s_header_names_the_service_it_came_from(logged_in, user, feed):
    store_days(user, provider="google_health", last=timezone.localdate(), days=4)

    points = json.loads(_download(logged_in, f"/data/{feed}.omh.json"))

    assert points
    for point in points:
        header = point["header"]
        assert header["id"] and header["creation_date_time"]
        assert header["schema_id"]["namespace"] == "omh" and header["schema_id"]["version"]
        provenance = header["acquisition_provenance"]
        assert provenance["source_name"] == "Fitbit & Pixel Watch (Google Health)"
        assert provenance["source_data_point_id"]


def test_records_with_missing_values_still_make_valid_points(logged_in, user):
    now = timezone.now()
    owner = {"user": user, "provider": "withings", "account_uid": "w"}
    Activity.objects.create(**owner, key="a", activity_type="OTHER", start=now)
    SleepSession.objects.create(**owner, key="s", start=now - timedelta(hours=7), end=now)
    BodyMeasurement.objects.create(**owner, key="b", measured_at=now, weight_kg=80.0)

    activities = json.loads(_download(logged_in, "/data/activities.omh.json"))
    sleep = json.loads(_download(logged_in, "/data/sleep.omh.json"))
    body = json.loads(_download(logged_in, "/data/body.omh.json"))

    assert [p["header"]["schema_id"]["name"] for p in sleep] == ["sleep-episode"]
    assert [p["header"]["schema_id"]["name"] for p in body] == ["body-weight"]
    assert "date_time" in activities[0]["body"]["effective_time_frame"]
    for point in activities + sleep + body:
        validate_data_point(point)


def test_download_everything_as_json_holds_every_feed(logged_in, imported):
    archive = zipfile.ZipFile(io.BytesIO(_download(logged_in, "/data/everything.zip?format=json")))

    assert sorted(archive.namelist()) == sorted(f"tendon-{f}.json" for f in EVERY_FEED)
    assert len(json.loads(archive.read("tendon-sleep.json"))) == SleepSession.objects.count()
