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


class UnreadableToken(str):
    """A stored token that no key in TOKEN_ENCRYPTION_KEYS decrypts (a key was dropped too early).

    It reads as an empty string, so nothing can use it, and it keeps its ciphertext so that
    saving the row does not destroy it: put the old key back and the token reads again."""

    ciphertext: str

    def __new__(cls, ciphertext: str) -> "UnreadableToken":
        token = super().__new__(cls, "")
        token.ciphertext = ciphertext
        return token

    def __repr__(self) -> str:
        return "<unreadable token>"


def decrypt(ciphertext: str) -> str:
    """The plaintext of ciphertext, or an UnreadableToken if no key can read it."""
    if not ciphertext:
        return ""
    try:
        return token_fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        return UnreadableToken(ciphertext)


def is_unreadable(value) -> bool:
    return isinstance(value, UnreadableToken)


class EncryptedTextField(models.TextField):
    """A text column that holds only Fernet ciphertext; Python code sees the plaintext.

    Decrypting never raises: pages that only describe a credential work whatever the keys."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        if isinstance(value, UnreadableToken):
            return value.ciphertext  # never overwrite what a restored key could still read
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(value)
