"""Admin actions shared by the connection and credential admins: each calls one service, writes
the event (inside the service) and Django's admin log, and tells the staff member the outcome."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from connections.models import Credential
from connections.providers.base import GrantRevoked, ProviderError
from connections.services.tokens import (
    credential_flag,
    credential_refresh_now,
    credential_reset,
)


class OperateMixin:
    """Actions need the "operate connection" permission (the Support group has it)."""

    def has_operate_permission(self, request) -> bool:
        return request.user.has_perm("connections.operate_connection")

    def _done(self, request, obj, message: str, level=messages.SUCCESS) -> None:
        self.log_change(request, obj, message)
        self.message_user(request, f"{obj}: {message}", level)

    def _back(self, request):
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(target)
        return None

    def _credentials(self, queryset) -> list[Credential]:
        if queryset.model is Credential:
            return list(queryset)
        ids = {c.credential_id for c in queryset if c.credential_id}
        return list(Credential.objects.filter(pk__in=ids))

    @admin.action(description="Refresh token now", permissions=["operate"])
    def refresh_token_now(self, request, queryset):
        for credential in self._credentials(queryset):
            try:
                credential_refresh_now(credential=credential, actor=request.user)
            except GrantRevoked as error:
                self._done(request, credential, f"refresh refused: {error}", messages.ERROR)
            except ProviderError as error:
                self._done(
                    request, credential, f"refresh failed, try later: {error}", messages.WARNING
                )
            else:
                self._done(request, credential, "token refreshed")
        return self._back(request)

    @admin.action(description="Flag for re-authorization (tells the user)", permissions=["operate"])
    def flag_for_reauthorization(self, request, queryset):
        for credential in self._credentials(queryset):
            flagged = credential_flag(
                credential=credential, reason="flagged by support", actor=request.user
            )
            self._done(
                request, credential, "flagged; the user is told" if flagged else "already flagged"
            )
        return self._back(request)

    @admin.action(
        description="Reset connection (revoke, keep data and cursor, ask the user to grant again)",
        permissions=["operate"],
    )
    def reset_connection(self, request, queryset):
        for credential in self._credentials(queryset):
            revoked = credential_reset(credential=credential, actor=request.user)
            note = "revoked at the provider" if revoked else "provider did not confirm revocation"
            self._done(request, credential, f"reset ({note}); the user is asked to reconnect")
        return self._back(request)


class BackfillForm(forms.Form):
    since = forms.DateField(
        label="Import everything again from", widget=forms.DateInput(attrs={"type": "date"})
    )
