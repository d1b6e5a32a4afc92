"""Receivers that keep e-mail ownership true when allauth proves an address."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, password_reset
from django.dispatch import receiver

from accounts.emails import email_proven


@receiver(email_confirmed)
def confirmed_address_is_owned(sender, request, email_address, **kwargs) -> None:
    email_proven(user=email_address.user, email=email_address.email)


@receiver(password_reset)
def reset_from_first_address_proves_it(sender, request, user, **kwargs) -> None:
    # Reset links go only to an owned address; an account that has verified nothing got its
    # link at the address it was created with, which following the link has now proven.
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        email_proven(user=user, email=user.email)
