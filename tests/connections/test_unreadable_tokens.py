"""A credential no key can decrypt never breaks a page; it shows as needing attention and its
imports wait, without flagging the grant or destroying the stored tokens (issue 9)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.db import connection as db

from connections.models import Connection, Credential, ImportRun
from tests.conftest import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_key(settings, logged_in, user, google_connect):
    """Google connected, then the key that encrypted its tokens dropped from the settings."""
    google_connect(logged_in, feeds=["sleep"])
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return Connection.objects.get(user=user)


def _stored_ciphertext() -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM connections_credential")
        return cursor.fetchone()[0]


def test_connect_page_survives_and_says_what_to_do(lost_key, logged_in):
    response = logged_in.get("/connect/")

    assert response.status_code == 200
    assert "Needs re-authorization" in page_text(response)
    detail = page_text(logged_in.get(f"/connect/{lost_key.pk}/"))
    assert "We can no longer read the access you gave us" in detail


@pytest.mark.parametrize(
    "path, says",
    [
        ("/admin/connections/connection/", "Needs re-authorization"),
        (
            "/admin/connections/connection/{pk}/change/",
            "UNREADABLE: no key in TOKEN_ENCRYPTION_KEYS",
        ),
        ("/admin/connections/credential/", "needs attention: no key in TOKEN_ENCRYPTION_KEYS"),
        (
            "/admin/connections/credential/{credential}/change/",
            "Active, but needs attention: no key in TOKEN_ENCRYPTION_KEYS decrypts its stored "
            "tokens",
        ),
        # The dashboard reads counts the worker keeps; it must simply open.
        ("/admin/health/", "not working"),
    ],
)
def test_admin_pages_survive_and_name_the_problem(lost_key, client, path, says):
    admin = get_user_model().objects.create_superuser(email="root@example.com", password="x")
    client.force_login(admin)

    response = client.get(path.format(pk=lost_key.pk, credential=lost_key.credential_id))

    assert response.status_code == 200
    assert says in page_text(response)


def test_a_readable_grant_reads_as_its_status_alone(logged_in, user, google_connect, client):
    google_connect(logged_in, feeds=["sleep"])
    admin = get_user_model().objects.create_superuser(email="root@example.com", password="x")
    client.force_login(admin)

    page = page_text(
        client.get(f"/admin/connections/credential/{Credential.objects.get().pk}/change/")
    )

    assert "Status: Active" in page and "needs attention" not in page


def test_its_import_waits_without_flagging_or_destroying_the_tokens(lost_key, run_import):
    before = _stored_ciphertext()

    run = run_import(lost_key)

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "tokens_unreadable")
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    Credential.objects.get().save()  # any later save keeps what a restored key could read
    assert _stored_ciphertext() == before
