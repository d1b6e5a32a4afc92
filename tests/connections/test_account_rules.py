"""One provider account feeds one Tendon account; Reconnect expects the same account back."""

from __future__ import annotations

import pytest

from connections.models import Connection, ConnectionEvent, Credential
from tests.conftest import page_text, snapshot

pytestmark = pytest.mark.django_db


def _flag(user) -> Credential:
    credential = Credential.objects.get(user=user, status=Credential.Status.ACTIVE)
    credential.status = Credential.Status.NEEDS_REAUTH
    credential.save()
    return credential


def test_account_held_by_another_user_is_refused(client, user_factory, demo_connect):
    holder, newcomer = user_factory("holder@example.com"), user_factory("newcomer@example.com")
    client.force_login(holder)
    demo_connect(client, person=holder, feeds=["sleep"])
    client.force_login(newcomer)
    before = snapshot()

    response = demo_connect(client, person=holder, feeds=["sleep"])

    _refused_as_held_elsewhere(client, response, before, newcomer)


def test_account_removed_elsewhere_can_be_connected(client, user_factory, demo_connect):
    holder, newcomer = user_factory("holder@example.com"), user_factory("newcomer@example.com")
    client.force_login(holder)
    demo_connect(client, person=holder, feeds=["sleep"])
    client.post(f"/connect/{Connection.objects.get(user=holder).pk}/remove/")
    client.force_login(newcomer)

    demo_connect(client, person=holder, feeds=["sleep"])

    assert Credential.objects.get(user=newcomer).status == Credential.Status.ACTIVE


def test_needs_reauth_shows_the_banner_and_the_badge(logged_in, user, demo_connect):
    demo_connect(logged_in, person=user, feeds=["sleep"])
    _flag(user)

    page = page_text(logged_in.get("/connect/"))

    assert "Demo Health needs you to reconnect — your data has not been imported since" in page
    assert "Needs re-authorization" in page


def test_reconnect_with_the_same_account_restores_the_connection(logged_in, user, demo_connect):
    demo_connect(logged_in, person=user, feeds=["activities", "sleep"])
    credential = _flag(user)
    connection = Connection.objects.get(user=user, feed="sleep")

    start = logged_in.post(f"/connect/{connection.pk}/reconnect/")
    response = demo_connect(logged_in, person=user, start=start)

    assert response["Location"] == "/connect/"
    page = page_text(logged_in.get("/connect/"))
    assert "Demo Health is reconnected. Importing continues from where it stopped" in page
    assert "needs you to reconnect" not in page
    credential.refresh_from_db()
    assert credential.status == Credential.Status.ACTIVE
    assert Connection.objects.filter(user=user, enabled=True, credential=credential).count() == 2
    assert connection.events.filter(kind=ConnectionEvent.Kind.RECONNECTED).exists()


def test_reconnect_with_another_account_says_so_and_changes_nothing(
    logged_in, user, user_factory, demo_connect
):
    someone_else = user_factory("bob@example.com")
    demo_connect(logged_in, person=user, feeds=["sleep"])
    _flag(user)
    connection = Connection.objects.get(user=user)
    logged_in.post("/sandbox/logout/")
    before = snapshot()

    start = logged_in.post(f"/connect/{connection.pk}/reconnect/")
    response = demo_connect(logged_in, person=someone_else, start=start)

    assert response["Location"] == "/connect/"
    assert (
        "You signed in to Demo Health as b…@example.com, but this connection belongs to "
        "a…@example.com. Sign out of Demo Health, or use Enable to add the other account."
    ) in page_text(logged_in.get("/connect/"))
    assert snapshot() == before


def test_reconnect_forces_the_consent_screen(logged_in, user, google_connect):
    google_connect(logged_in, feeds=["sleep"])
    _flag(user)
    connection = Connection.objects.get(user=user)

    response = logged_in.post(f"/connect/{connection.pk}/reconnect/")

    from tests.conftest import query_of

    query = query_of(response["Location"])
    assert query["prompt"] == "consent"
    assert query["login_hint"] == "alice.runner@gmail.com"


def test_finishing_at_the_same_moment_as_someone_else_says_held_elsewhere_and_changes_nothing(
    client, user_factory, demo_connect
):
    """The other person's connect commits between our check and our insert, and the database
    refuses our row (PostgreSQL's race, played here on any database: SQLite has one writer, so
    their row is inserted in our transaction, just before ours, each time we try)."""
    from django.db.models.signals import pre_save

    holder, newcomer = user_factory("holder@example.com"), user_factory("newcomer@example.com")
    client.force_login(newcomer)
    before = snapshot()
    raced = []

    def theirs_lands_first(sender, instance, **kwargs):
        if instance.pk is None and instance.user_id == newcomer.pk:
            raced.append(instance.account_uid)
            Credential.objects.create(
                user=holder, provider=instance.provider, account_uid=instance.account_uid
            )

    pre_save.connect(theirs_lands_first, sender=Credential, dispatch_uid="race")
    try:
        response = demo_connect(client, person=holder, feeds=["sleep"])
    finally:
        pre_save.disconnect(sender=Credential, dispatch_uid="race")

    assert raced  # the database, not the check, refused our row
    _refused_as_held_elsewhere(client, response, before, newcomer)
    assert not Connection.objects.filter(user=newcomer).exists()


@pytest.mark.django_db(transaction=True)
def test_two_people_finishing_the_same_account_at_once_get_the_held_elsewhere_answer(
    user_factory,
):
    import threading
    import time
    from datetime import timedelta

    from django.db import connection as db
    from django.db import connections, transaction
    from django.utils import timezone

    from connections.providers.base import Identity, TokenSet
    from connections.services.credentials import AccountHeldElsewhere, credential_connect

    if db.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the two cannot overlap there")
    first, second = user_factory("first@example.com"), user_factory("second@example.com")
    identity = Identity(uid="demo-shared", label="shared@example.com")
    tokens = TokenSet("access", "refresh", timezone.now() + timedelta(hours=1), None)
    inserted, outcome = threading.Event(), {}

    def connect(user, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                credential_connect(
                    user=user,
                    provider_id="demo",
                    identity=identity,
                    tokens=tokens,
                    feeds=["sleep"],
                    requested_scopes=[],
                )
                if hold:
                    inserted.set()
                    time.sleep(1.0)  # the other one runs into our uncommitted row meanwhile
            outcome[user.email] = "connected"
        except AccountHeldElsewhere:
            outcome[user.email] = "held elsewhere"
        finally:
            connections.close_all()

    holder = threading.Thread(target=connect, args=(first,), kwargs={"hold": True})
    holder.start()
    inserted.wait(10)
    connect(second, hold=False)
    holder.join(10)

    assert outcome == {"first@example.com": "connected", "second@example.com": "held elsewhere"}
    assert Credential.objects.get(account_uid="demo-shared").user_id == first.pk


def _refused_as_held_elsewhere(client, response, before: dict, newcomer) -> None:
    """The newcomer is sent back to Connect with the plain refusal, and nothing changed."""
    assert response["Location"] == "/connect/"
    assert (
        "This Demo Health account is already connected to another Tendon account. Each provider "
        "account can feed one Tendon account; remove it there first."
    ) in page_text(client.get("/connect/"))
    assert snapshot() == before
    assert not Credential.objects.filter(user=newcomer).exists()
