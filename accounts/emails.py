"""Who owns an e-mail address: the one rule every door that trusts an address reads.

An address a person has not proven they own never signs anyone in, never blocks a sign-up, never
receives a password-reset link and never becomes the address they log in with (issue 9). Proof is
allauth's verified flag: a confirmation link followed, or a password-reset link followed from the
address the account was created with.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction


def users_owning_email(email: str) -> list:
    """The accounts this address may sign in to or reset: whoever verified it, else the account
    created with it that has verified nothing yet (it must confirm before it can log in)."""
    User = get_user_model()
    verified = list(
        User.objects.filter(
            emailaddress__email__iexact=email, emailaddress__verified=True
        ).distinct()
    )
    if verified:
        return verified
    return list(User.objects.filter(email__iexact=email).exclude(emailaddress__verified=True))


def email_is_taken(email: str) -> bool:
    """True when an account logs in with this address or has proven it owns it."""
    User = get_user_model()
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email, verified=True).exists()
    )


@transaction.atomic
def email_proven(*, user, email: str) -> None:
    """Records that user owns email, and drops the unproven copies other accounts added."""
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        primary = user.email.lower() == email.lower()
        address = EmailAddress(user=user, email=email, primary=primary)
    if not address.verified:
        address.verified = True
        address.save()
    EmailAddress.objects.filter(email__iexact=email, verified=False).exclude(user=user).delete()
