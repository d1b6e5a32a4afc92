"""Accounts: e-mail login, no username, the pages a newcomer meets."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD, page_text

pytestmark = pytest.mark.django_db


def test_sign_up_lands_on_connect_once_the_address_is_confirmed(client, django_user_model):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response["Location"] == "/accounts/confirm-email/"
    assert django_user_model.objects.filter(email="new@example.com").exists()
    assert client.get("/connect/").status_code == 302  # not in before confirming
    assert len(mail.outbox) == 1 and "Confirm" in mail.outbox[0].subject
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body)
    client.post(link.group(1))
    client.post("/accounts/login/", {"login": "new@example.com", "password": PASSWORD})
    assert client.get("/connect/").status_code == 200


def test_the_confirmation_e_mail_speaks_in_tendons_words(client):
    client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    (message,) = mail.outbox
    assert message.subject == "[Tendon] Confirm your e-mail address"
    assert "Please Confirm Your Email Address" not in message.subject
    assert "You signed up for Tendon with new@example.com." in message.body
    assert re.search(r"\n\nhttp://testserver/accounts/confirm-email/\S+/\n\n", message.body)
    assert "You're receiving this email because" not in message.body
    assert not message.alternatives  # text only: allauth has no HTML version of it


def test_confirming_an_added_address_says_it_was_added(logged_in):
    logged_in.post("/accounts/email/", {"email": "second@example.com", "action_add": ""})

    (message,) = mail.outbox
    assert message.subject == "[Tendon] Confirm your e-mail address"
    assert "You added second@example.com to your Tendon account." in message.body


def test_login_is_by_email(client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/connect/"


def test_user_has_no_username(user):
    assert not hasattr(user, "username")
    assert user.get_username() == "alice@example.com"


def test_connect_needs_a_login(client):
    response = client.get("/connect/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_password_reset_sends_a_link(client, user):
    client.post("/accounts/password/reset/", {"email": user.email})

    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_pages_share_the_navigation(logged_in):
    page = page_text(logged_in.get("/connect/"))

    assert "My Account › Connect" in page.replace("&rsaquo;", "›")
    assert "Log out" in page


def test_settings_lead_to_password_e_mail_and_preferences(logged_in):
    connect = logged_in.get("/connect/").content.decode()
    settings_page = logged_in.get("/accounts/notifications/").content.decode()

    assert 'href="/accounts/notifications/"' in connect
    assert 'href="/accounts/password/change/"' in settings_page
    assert 'href="/accounts/email/"' in settings_page
    assert 'name="notify_by_email"' in settings_page


def test_allauth_connections_page_leads_to_connect(logged_in):
    assert logged_in.get("/accounts/3rdparty/")["Location"] == "/connect/"


def test_email_preference_can_be_switched_off(logged_in, user):
    response = logged_in.post("/accounts/notifications/", {}, follow=True)

    user.refresh_from_db()
    assert not user.notify_by_email
    assert "Your e-mail preference is saved." in page_text(response)


def test_email_preference_needs_a_login(client, user):
    response = client.post("/accounts/notifications/", {})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.notify_by_email


@pytest.mark.parametrize("page", ["/accounts/login/", "/accounts/signup/"])
def test_providers_are_not_offered_as_a_way_to_log_in(client, demo_app, page):
    text = page_text(client.get(page))

    assert "Demo Health" not in text
    assert "third-party" not in text


def test_account_emails_are_signed_by_tendon(client, user):
    client.post("/accounts/password/reset/", {"email": user.email})

    assert mail.outbox[0].body.startswith("Hello,\n")
    assert "— Tendon (testserver)" in mail.outbox[0].body
