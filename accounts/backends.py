"""Logging in by e-mail address, only with an address the account owns (accounts.emails)."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend

from accounts.emails import users_owning_email


class OwnedEmailBackend(AuthenticationBackend):
    """allauth's backend, except that an unverified extra address on someone's account signs
    nobody in. It also serves the admin's login form (username = e-mail address)."""

    def _authenticate_by_email(self, email: str, password: str):
        if not email:
            return None
        for user in users_owning_email(email):
            if self._check_password(user, password):
                return user
        return None
