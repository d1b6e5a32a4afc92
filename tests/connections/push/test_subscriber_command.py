"""manage.py google_health_subscriber: what to enter in Google Cloud, and --create."""

from __future__ import annotations

import base64
import io
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import GOOGLE, query_of
from tests.connections.push.conftest import AUTHORIZATION

TOKEN_URI = "https://oauth2.google.test/token"
SUBSCRIBERS = GOOGLE["api_url"] + "/v4/projects/tendon-prod/subscribers"
TYPES = (
    "active-minutes, body-fat, daily-resting-heart-rate, distance, exercise, sleep, steps, "
    "total-calories, weight"
)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("google_health_subscriber", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def service_account(tmp_path):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = {
        "type": "service_account",
        "project_id": "tendon-prod",
        "private_key_id": "k1",
        "private_key": private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        "client_email": "tendon@tendon-prod.iam.gserviceaccount.com",
        "token_uri": TOKEN_URI,
    }
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key))
    return path, private.public_key()


def test_it_prints_what_to_enter_in_google_cloud(settings):
    settings.SITE_URL = "https://tendon.example.org"
    settings.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION = AUTHORIZATION

    out = _run()

    assert "Endpoint URI:         https://tendon.example.org/webhooks/google_health/" in out
    assert f"Data types:           {TYPES}" in out
    assert f"Authorization secret: {AUTHORIZATION}" in out


def test_without_the_setting_it_suggests_a_secret_and_refuses_to_create(settings):
    settings.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION = ""

    assert "Set GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION, for example to\n    Bearer " in _run()
    with pytest.raises(CommandError, match="before --create"):
        _run("--create", "--key-file", "/nonexistent.json")


def test_create_signs_in_as_the_service_account_and_creates_the_subscriber(
    settings, http, service_account
):
    settings.SITE_URL = "https://tendon.example.org"
    settings.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION = AUTHORIZATION
    path, public = service_account
    http.add("POST", TOKEN_URI, json={"access_token": "ya29.sa", "expires_in": 3599})
    http.add("POST", SUBSCRIBERS, json={"name": "operations/abc", "done": False})

    out = _run("--create", "--key-file", str(path))

    assert "Subscriber requested: operation operations/abc (in progress)." in out
    grant = query_of("?" + http.calls[0].request.body)
    assert grant["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header, claims, signed = grant["assertion"].split(".")
    public.verify(
        base64.urlsafe_b64decode(signed + "=" * (-len(signed) % 4)),
        f"{header}.{claims}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    claims = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert claims["scope"] == "https://www.googleapis.com/auth/cloud-platform"
    assert claims["aud"] == TOKEN_URI
    create = http.calls[1].request
    assert query_of(create.url)["subscriberId"] == "tendon"
    assert create.headers["Authorization"] == "Bearer ya29.sa"
    assert json.loads(create.body) == {
        "endpointUri": "https://tendon.example.org/webhooks/google_health/",
        "subscriberConfigs": [
            {"dataTypes": TYPES.split(", "), "subscriptionCreatePolicy": "AUTOMATIC"}
        ],
        "endpointAuthorization": {"secret": AUTHORIZATION},
    }


def test_create_reports_googles_refusal(settings, http, service_account):
    settings.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION = AUTHORIZATION
    http.add("POST", TOKEN_URI, json={"access_token": "ya29.sa"})
    http.add(
        "POST",
        SUBSCRIBERS,
        status=400,
        json={"error": {"code": 400, "message": "Endpoint verification failed."}},
    )

    with pytest.raises(CommandError, match="Endpoint verification failed"):
        _run("--create", "--key-file", str(service_account[0]))
