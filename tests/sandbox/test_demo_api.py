"""The demo provider's API: Google Health v4 shapes, OAuth-protected, deterministic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, get_application_model

from connections.providers.google_health import scopes
from tests.conftest import PASSWORD, page_text

pytestmark = pytest.mark.django_db
DISCOVERY = json.loads(
    (Path(__file__).parent.parent / "fixtures/google_health/health.v4.json").read_text()
)
API = "/sandbox/api/v4/users/me"


@pytest.fixture
def token(user, demo_app):
    def make(*granted: str) -> str:
        value = f"token-{'-'.join(s.rsplit('.', 2)[-2] for s in granted) or 'none'}"
        AccessToken.objects.create(
            user=user,
            application=get_application_model().objects.get(client_id="tendon-demo"),
            token=value,
            expires=timezone.now() + timezone.timedelta(hours=1),
            scope=" ".join(granted),
        )
        return value

    return make


def _get(path, token_value, **params):
    return Client().get(path, params, HTTP_AUTHORIZATION=f"Bearer {token_value}")


def _assert_shape(value, schema_name: str, path: str = "") -> None:
    """Every key in value is a property of the discovery document's schema."""
    schema = DISCOVERY["schemas"][schema_name]
    properties = schema.get("properties", {})
    for key, item in value.items():
        assert key in properties, f"{path}{key} is not in {schema_name}"
        spec = properties[key]
        ref = spec.get("$ref") or spec.get("items", {}).get("$ref")
        if ref and isinstance(item, dict):
            _assert_shape(item, ref, f"{path}{key}.")
        elif ref and isinstance(item, list):
            for element in item:
                _assert_shape(element, ref, f"{path}{key}[].")


def test_identity_needs_a_valid_token(user, demo_app):
    response = _get(f"{API}/identity", "nonsense")

    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


def test_identity_has_the_discovery_shape(user, token):
    body = _get(f"{API}/identity", token(scopes.SLEEP)).json()

    _assert_shape(body, "Identity")
    assert body["healthUserId"] == f"demo-{user.pk}"


@pytest.mark.parametrize(
    "data_type", ["exercise", "sleep", "weight", "body-fat", "daily-resting-heart-rate", "steps"]
)
def test_data_points_have_the_discovery_shape(token, data_type):
    all_scopes = (scopes.ACTIVITY, scopes.SLEEP, scopes.HEALTH_METRICS)

    body = _get(f"{API}/dataTypes/{data_type}/dataPoints", token(*all_scopes)).json()

    _assert_shape(body, "ListDataPointsResponse")
    assert body["dataPoints"], data_type


def test_data_points_need_the_feeds_scope(token):
    response = _get(f"{API}/dataTypes/sleep/dataPoints", token(scopes.ACTIVITY))

    assert response.status_code == 403
    assert response.json()["error"]["status"] == "PERMISSION_DENIED"


def test_data_points_are_deterministic_newest_first_and_paged(token):
    value = token(scopes.ACTIVITY)
    params = {"filter": 'exercise.interval.civil_start_time >= "2025-01-01"', "pageSize": "5"}

    first = _get(f"{API}/dataTypes/exercise/dataPoints", value, **params).json()
    again = _get(f"{API}/dataTypes/exercise/dataPoints", value, **params).json()
    second = _get(
        f"{API}/dataTypes/exercise/dataPoints", value, pageToken=first["nextPageToken"], **params
    ).json()

    assert first == again
    starts = [p["exercise"]["interval"]["startTime"] for p in first["dataPoints"]]
    assert starts == sorted(starts, reverse=True) and len(starts) == 5
    assert second["dataPoints"][0]["exercise"]["interval"]["startTime"] < starts[-1]


def test_filter_bounds_the_time_range(token):
    body = _get(
        f"{API}/dataTypes/weight/dataPoints",
        token(scopes.HEALTH_METRICS),
        filter='weight.sample_time.physical_time >= "2025-03-01T00:00:00Z" AND '
        'weight.sample_time.physical_time < "2025-03-08T00:00:00Z"',
    ).json()

    times = [p["weight"]["sampleTime"]["physicalTime"] for p in body["dataPoints"]]
    assert times and all("2025-03-01" <= t < "2025-03-08" for t in times)


def test_daily_roll_up_has_the_discovery_shape(token):
    response = Client().post(
        f"{API}/dataTypes/steps/dataPoints:dailyRollUp",
        json.dumps(
            {
                "range": {
                    "start": {"date": {"year": 2025, "month": 3, "day": 1}},
                    "end": {"date": {"year": 2025, "month": 3, "day": 8}},
                }
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token(scopes.ACTIVITY)}",
    )

    body = response.json()
    _assert_shape(body, "DailyRollUpDataPointsResponse")
    assert len(body["rollupDataPoints"]) == 7


def test_grant_page_revokes_every_refresh_token(logged_in, user, demo_connect):
    from oauth2_provider.models import RefreshToken

    demo_connect(logged_in, person=user, feeds=["sleep"])

    logged_in.post("/sandbox/grants/revoke/")

    assert not RefreshToken.objects.filter(user=user, revoked__isnull=True).exists()
    assert not AccessToken.objects.filter(user=user).exists()


def test_signing_in_to_the_sandbox_does_not_sign_in_to_tendon(client, user, demo_app):
    from tests.conftest import PASSWORD

    client.post("/sandbox/login/", {"email": user.email, "password": PASSWORD})

    assert client.get("/connect/").status_code == 302


@pytest.mark.parametrize(
    "params",
    [
        {"pageToken": "not-a-token"},
        {"pageSize": "many"},
        {"filter": 'sleep.interval.end_time >= "soon"'},
    ],
    ids=["page_token", "page_size", "filter"],
)
def test_malformed_query_gets_invalid_argument(token, params):
    response = _get(f"{API}/dataTypes/sleep/dataPoints", token(scopes.SLEEP), **params)

    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_sandbox_sign_in_with_a_wrong_password_says_so(client, user, demo_app):
    response = client.post("/sandbox/login/", {"email": user.email, "password": "wrong"})

    assert "That e-mail and password do not match a demo account." in response.content.decode()
    assert "sandbox_person_id" not in client.session


def test_sandbox_sign_in_does_not_redirect_off_site(client, user, demo_app):
    response = client.post(
        "/sandbox/login/",
        {"email": user.email, "password": PASSWORD, "next": "https://evil.example/steal"},
    )

    assert response["Location"] == "/sandbox/"


def test_sandbox_sign_in_locks_out_after_failed_attempts_like_tendons_login(client, user, demo_app):
    for _attempt in range(5):
        client.post("/sandbox/login/", {"email": user.email, "password": "wrong"})

    response = client.post("/sandbox/login/", {"email": user.email, "password": PASSWORD})

    assert "Too many failed login attempts" in page_text(response)
    assert client.get("/sandbox/")["Location"].startswith("/sandbox/login/")  # not signed in
