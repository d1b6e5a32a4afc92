"""An error during connecting, even with DEBUG=1, never shows a token on the error page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import GOOGLE, fixture_json

pytestmark = pytest.mark.django_db


def test_the_debug_error_page_shows_no_token(settings, user, google_app, http, oauth_start):
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(user)
    _url, query = oauth_start(client, "google_health")
    http.add("POST", GOOGLE["token_url"], json=fixture_json("google_health", "token"))

    def crash(request):
        raise RuntimeError("a bug of ours, after the tokens arrived")

    http.add_callback("GET", GOOGLE["api_url"] + "/v4/users/me/identity", callback=crash)

    response = client.get(
        "/accounts/google_health/login/callback/", {"code": "4/0Ab-code", "state": query["state"]}
    )

    page = response.content.decode()
    assert response.status_code == 500
    assert "a bug of ours" in page  # it is Django's debug page, with its frames
    assert "ya29.a0-sample-access-token" not in page
    assert "1//0g-sample-refresh-token" not in page
