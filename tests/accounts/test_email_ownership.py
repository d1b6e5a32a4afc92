"""An address a person has not proven they own never signs anyone in, never blocks a sign-up,
never receives a reset link and never becomes primary (issue 9, account takeover)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.conftest import PASSWORD, page_text

pytestmark = pytest.mark.django_db

VICTIM = "victim@example.com"


@pytest.fixture
def attacker(user_factory, client):
    """Someone who added the victim's address to their own account, unverified."""
    person = user_factory("mallory@example.com")
    client.force_login(person)
    response = client.post("/accounts/email/", {"email": VICTIM, "action_add": ""})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=person, email=VICTIM, verified=False).exists()
    client.logout()
    mail.outbox.clear()
    return person


def _sign_up(client, email: str):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def test_an_unverified_extra_address_does_not_block_its_owners_sign_up(
    client, attacker, django_user_model
):
    response = _sign_up(client, VICTIM)

    assert response["Location"] == "/accounts/confirm-email/"
    victim = django_user_model.objects.get(email=VICTIM)
    assert victim.pk != attacker.pk
    assert [m.to for m in mail.outbox] == [[VICTIM]]
    assert "Confirm" in mail.outbox[0].subject


def test_an_unverified_extra_address_signs_nobody_in(client, attacker):
    response = client.post("/accounts/login/", {"login": VICTIM, "password": PASSWORD})

    assert response.status_code == 200
    assert "not correct" in page_text(response)
    assert "_auth_user_id" not in client.session


def test_a_reset_for_an_unverified_extra_address_sends_no_link_to_that_account(client, attacker):
    client.post("/accounts/password/reset/", {"email": VICTIM})

    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" not in mail.outbox[0].body
    assert "we do not have any record of such an account" in mail.outbox[0].body


def test_sign_up_with_a_registered_address_answers_as_for_a_new_one(
    client, user, django_user_model
):
    taken = _sign_up(client, user.email)
    free = _sign_up(client, "someone.new@example.com")

    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"]
    assert django_user_model.objects.filter(email__iexact=user.email).count() == 1
    to_owner = next(m for m in mail.outbox if m.to == [user.email])
    assert "already" in to_owner.body and "/accounts/password/reset/" in to_owner.body


def test_sign_up_page_never_says_an_address_is_registered(client, user):
    response = client.post(
        "/accounts/signup/",
        {"email": user.email, "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )

    assert "already registered" not in page_text(response)


def test_an_unverified_address_cannot_become_primary(client, user):
    client.force_login(user)
    client.post("/accounts/email/", {"email": "second@example.com", "action_add": ""})

    response = client.post(
        "/accounts/email/", {"email": "second@example.com", "action_primary": ""}, follow=True
    )

    user.refresh_from_db()
    assert user.email == "alice@example.com"
    assert "Confirm second@example.com first" in page_text(response)
    assert EmailAddress.objects.get(user=user, primary=True).email == "alice@example.com"


def test_making_another_accounts_login_address_primary_is_refused_not_a_500(
    client, user, user_factory
):
    other = user_factory("bob@example.com")
    client.force_login(user)
    client.post("/accounts/email/", {"email": other.email, "action_add": ""})

    response = client.post(
        "/accounts/email/", {"email": other.email, "action_primary": ""}, follow=True
    )

    assert response.status_code == 200
    assert f"Confirm {other.email} first" in page_text(response)
    user.refresh_from_db()
    other.refresh_from_db()
    assert (user.email, other.email) == ("alice@example.com", "bob@example.com")


def test_confirming_an_address_drops_the_copies_others_added(client, attacker, django_user_model):
    _sign_up(client, VICTIM)
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body)

    client.post(link.group(1))

    victim = django_user_model.objects.get(email=VICTIM)
    assert EmailAddress.objects.get(email=VICTIM).user_id == victim.pk
    assert EmailAddress.objects.get(email=VICTIM).verified


def test_following_a_reset_link_confirms_the_address_it_went_to(client, user_factory):
    person = user_factory("unconfirmed@example.com", verified=False)
    client.post("/accounts/password/reset/", {"email": person.email})
    key_path = re.search(r"testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form_page = client.get(key_path.group(1), follow=True)

    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "a new horse battery staple", "password2": "a new horse battery staple"},
    )

    assert EmailAddress.objects.get(user=person).verified
