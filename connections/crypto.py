"""Tokens at rest: Fernet encryption, with MultiFernet so keys can be rotated.

The first key in TOKEN_ENCRYPTION_KEYS encrypts; every key decrypts.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes), "
            "comma-separated. Make one with: python -c 'from cryptography.fernet import "
            "Fernet; print(Fernet.generate_key().decode())'"
        ) from error


def token_fernet() -> MultiFernet:
    """The MultiFernet built from the current TOKEN_ENCRYPTION_KEYS."""
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    """The ciphertext of plaintext under the first key; an empty string stays empty."""
    if not plaintext:
        return ""
    return token_fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """The plaintext of ciphertext; raises ImproperlyConfigured if no key can read it."""
    if not ciphertext:
        return ""
    try:
        return token_fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A stored token cannot be decrypted with any key in TOKEN_ENCRYPTION_KEYS. "
            "Keep the old key in the list until `manage.py rotate_token_keys` has run."
        ) from error


class EncryptedTextField(models.TextField):
    """A text column that holds only Fernet ciphertext; Python code sees the plaintext."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(value)
