"""The pages around the account (allauth's and Tendon's own) in Tendon's voice: one word for
logging in, titles without markup, errors where they belong, the way back always offered."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress

from tests.conftest import PASSWORD, page_text

pytestmark = pytest.mark.django_db

SIGNED_OUT = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
]
SIGNED_IN = [
    "/connect/",
    "/data/",
    "/accounts/notifications/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/delete/",
    "/accounts/logout/",
]


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


@pytest.mark.parametrize("path", SIGNED_OUT)
def test_every_signed_out_page_is_titled_page_dot_tendon(client, path):
    title = title_of(client.get(path))

    assert re.fullmatch(r"[^<>]+ · Tendon", title), title


@pytest.mark.parametrize("path", SIGNED_IN)
def test_every_signed_in_page_is_titled_page_dot_tendon(logged_in, path):
    title = title_of(logged_in.get(path))

    assert re.fullmatch(r"[^<>]+ · Tendon", title), title


def test_the_settings_page_title_is_just_settings(logged_in):
    assert title_of(logged_in.get("/accounts/notifications/")) == "Settings · Tendon"


def test_logging_in_is_called_log_in_everywhere(client, logged_in):
    pages = [client.get(p) for p in SIGNED_OUT] + [logged_in.get(p) for p in SIGNED_IN]

    text = " ".join(page_text(page) for page in pages)
    assert "Log in" in text
    for wrong in ("Sign In", "Sign in", "Signin", "Signup", "Remember Me", ":</label>"):
        assert wrong not in text, wrong


def test_a_sign_up_error_sits_under_its_field(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD + "!"},
    )

    html = response.content.decode()
    field = re.search(r'<div class="field has-error">(.*?)</div>', html, re.S).group(1)
    assert 'name="password2"' in field
    assert "You must type the same password each time." in field


def test_the_only_address_cannot_be_removed(logged_in):
    html = logged_in.get("/accounts/email/").content.decode()

    assert "action_remove" not in html
    assert "You log in with this one" in html and "Confirmed" in html


def test_a_second_address_can_be_removed_or_confirmed(logged_in, user):
    EmailAddress.objects.create(user=user, email="other@example.com", verified=False)

    page = page_text(logged_in.get("/accounts/email/"))

    assert "other@example.com Not confirmed yet Send the confirmation link again" in page
    assert page.count("Remove this address") == 1


def test_the_password_reset_done_page_offers_the_way_back(client):
    html = client.get("/accounts/password/reset/done/").content.decode()

    assert re.search(r'<a class="button primary" href="/accounts/login/">Log in</a>', html)


def test_the_password_change_page_offers_the_way_out_once(logged_in):
    response = logged_in.get("/accounts/password/change/")

    page = page_text(response)
    assert page.count("Forgot your") == 1
    assert "Forgot your current password?" in page
    assert 'href="/accounts/password/reset/"' in response.content.decode()


def test_the_front_door_says_what_tendon_is_to_a_visitor(client):
    response = client.get("/")

    page = page_text(response)
    assert response.status_code == 200
    assert "Tendon connects the services that hold your fitness and health data" in page
    assert 'href="/accounts/login/">Log in</a>' in response.content.decode()
    assert 'href="/accounts/signup/">Sign up</a>' in response.content.decode()


def test_the_front_door_takes_a_person_who_is_logged_in_to_connect(logged_in):
    assert logged_in.get("/")["Location"] == "/connect/"


def test_every_page_has_a_favicon(client, settings):
    from django.contrib.staticfiles import finders

    html = client.get("/accounts/login/").content.decode()

    assert re.search(r'<link rel="icon" href="/static/favicon.svg"', html)
    assert finders.find("favicon.svg")


def test_a_page_says_which_time_zone_it_was_drawn_in(logged_in):
    logged_in.cookies["tz"] = "Pacific/Auckland"

    html = logged_in.get("/connect/").content.decode()

    assert '<meta name="tendon-time-zone" content="Pacific/Auckland">' in html
