"""allauth's forms with Tendon's rule on e-mail ownership (accounts.emails)."""

from __future__ import annotations

from allauth.account import app_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import (
    AddEmailForm,
    ChangePasswordForm,
    LoginForm,
    ResetPasswordForm,
    ResetPasswordKeyForm,
    SetPasswordForm,
    SignupForm,
)
from allauth.core import context, ratelimit
from django.urls import reverse
from django.utils.html import format_html

from accounts.emails import email_is_taken, users_owning_email

E_MAIL = "E-mail address"


class LabelledFields:
    """Fields said once, by their label: no placeholder repeating it in other words."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class TendonLoginForm(LabelledFields, LoginForm):
    """allauth's login form with Tendon's words (no "Remember Me:")."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = E_MAIL
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me logged in on this device"


class TendonAddEmailForm(LabelledFields, AddEmailForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = E_MAIL


class TendonChangePasswordForm(LabelledFields, ChangePasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = "Current password"
        # The way out, offered once, under the field it is about.
        self.fields["oldpassword"].help_text = format_html(
            '<a href="{}">Forgot your current password?</a>', reverse("account_reset_password")
        )
        self.fields["password1"].label = "New password"
        self.fields["password2"].label = "New password again"


class TendonSignupForm(LabelledFields, SignupForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = E_MAIL
        if "password2" in self.fields:
            self.fields["password2"].label = "Password again"
    def validate_unique_email(self, value: str) -> str:
        """Only an address someone logs in with or has proven counts as registered; with
        mandatory verification a taken address gets the same answer as a free one, and its
        owner an e-mail (allauth's enumeration prevention)."""
        self.account_already_exists = False
        if not email_is_taken(value):
            # Someone who added this address to their own account used up its confirmation
            # e-mail allowance; the owner's sign-up gets its confirmation all the same.
            ratelimit.clear(context.request, action="confirm_email", key=value.lower())
            return get_adapter().validate_unique_email(value)
        hidden = (
            app_settings.PREVENT_ENUMERATION
            and app_settings.EMAIL_VERIFICATION == app_settings.EmailVerificationMethod.MANDATORY
        )
        if not hidden:
            raise get_adapter().validation_error("email_taken")
        self.account_already_exists = True
        return value


class TendonResetPasswordForm(LabelledFields, ResetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = E_MAIL

    def clean_email(self) -> str:
        """A reset link goes only to an address its account owns; anyone else's gets the
        'no account' e-mail, so the page answers the same either way."""
        email = get_adapter().clean_email(self.cleaned_data["email"].lower())
        self.users = [user for user in users_owning_email(email) if user.is_active]
        return self.cleaned_data["email"]


class TendonResetPasswordKeyForm(LabelledFields, ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "New password"
        self.fields["password2"].label = "New password again"


class TendonSetPasswordForm(LabelledFields, SetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password2"].label = "Password again"
