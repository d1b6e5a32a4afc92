"""Tokens at rest: encrypted with the first key, readable with any, re-encrypted by a command."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection as db

from connections.models import Credential

pytestmark = pytest.mark.django_db


def _raw_access_token(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM connections_credential WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def credential(user):
    return Credential.objects.create(
        user=user,
        provider="demo",
        account_uid="demo-1",
        access_token="secret-access",
        refresh_token="secret-refresh",
    )


def test_rotate_token_keys_re_encrypts_under_the_new_first_key(settings, credential):
    old_key = settings.TOKEN_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_token_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    raw = _raw_access_token(credential.pk)
    assert Fernet(new_key.encode()).decrypt(raw.encode()) == b"secret-access"
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]  # the old key can go now
    assert Credential.objects.get(pk=credential.pk).refresh_token == "secret-refresh"


def test_rotating_keys_says_loudly_which_tokens_no_key_can_read(settings, credential):
    before = _raw_access_token(credential.pk)
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(
        CommandError, match=f"1 credential\\(s\\) have tokens no key .* {credential.pk}"
    ):
        call_command("rotate_token_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert _raw_access_token(credential.pk) == before


def test_credential_text_never_contains_a_token(credential):
    assert "secret" not in str(credential)
    assert "secret" not in repr(credential)
