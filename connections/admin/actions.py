"""Admin actions shared by the connection and credential admins: each calls one service, writes
the event (inside the service) and Django's admin log, and tells the staff member the outcome."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from connections.models import Credential
from connections.providers import PROVIDERS, offered_spec
from connections.providers.base import GrantRevoked, ProviderError, ProviderNotOffered
from connections.services.flags import credential_flag, flag_message
from connections.services.tokens import credential_refresh_now, credential_reset


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
            return list(queryset.select_related("user"))
        ids = {c.credential_id for c in queryset if c.credential_id}
        return list(Credential.objects.filter(pk__in=ids).select_related("user"))

    def _say_which_have_no_grant(self, request, queryset) -> None:
        """A removed connection has no grant to act on: say so, rather than nothing at all."""
        if queryset.model is Credential:
            return
        for connection in queryset:
            if not connection.credential_id:
                self.message_user(
                    request,
                    f"{connection}: nothing done, it has no grant (the person removed it; "
                    "they can Enable it again).",
                    messages.WARNING,
                )

    def _say_nothing_done(self, request, obj, refusal: ProviderNotOffered) -> None:
        """A provider that has left the registry: nothing was asked of anyone, so nothing is
        logged; the staff member reads why."""
        self.message_user(request, f"{obj}: nothing done, {refusal}", messages.WARNING)

    def _offered(self, request, obj) -> bool:
        """Whether obj's provider is still offered here; else says nothing was done, and why
        (a person cannot import from it, nor reconnect to it when asked)."""
        try:
            offered_spec(obj.provider)
        except ProviderNotOffered as refusal:
            self._say_nothing_done(request, obj, refusal)
            return False
        return True

    @admin.action(description="Refresh token now", permissions=["operate"])
    def refresh_token_now(self, request, queryset):
        self._say_which_have_no_grant(request, queryset)
        for credential in self._credentials(queryset):
            try:
                credential_refresh_now(credential=credential, actor=request.user)
            except ProviderNotOffered as refusal:
                self._say_nothing_done(request, credential, refusal)
            except GrantRevoked as error:
                self._done(request, credential, f"refresh refused: {error}", messages.ERROR)
            except ProviderError as error:
                self._done(
                    request, credential, f"refresh failed, try later: {error}", messages.WARNING
                )
            else:
                self._done(request, credential, "token refreshed")
        return self._back(request)

    @admin.action(
        description="Flag for re-authorization (asks the user to reconnect)…",
        permissions=["operate"],
    )
    def flag_for_reauthorization(self, request, queryset):
        return self._support_request(request, queryset, reset=False)

    @admin.action(
        description="Reset connection (delete the tokens, keep data, ask the user to reconnect)…",
        permissions=["operate"],
    )
    def reset_connection(self, request, queryset):
        return self._support_request(request, queryset, reset=True)

    def _support_request(self, request, queryset, *, reset: bool):
        """A confirmation page naming each person who will be e-mailed and what they will read;
        on confirmation, one service call per grant (each writes the event with the staff
        member's name)."""
        credentials = self._credentials(queryset)
        form = SupportRequestForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._say_which_have_no_grant(request, queryset)
            for credential in credentials:
                if not self._offered(request, credential):
                    continue
                if reset:
                    revoked = credential_reset(
                        credential=credential, actor=request.user, reason=reason
                    )
                    note = {
                        True: "revoked at the provider",
                        None: "revocation pending",
                        False: "provider did not confirm revocation",
                    }[revoked]
                    self._done(
                        request, credential, f"reset ({note}); the user is asked to reconnect"
                    )
                else:
                    credential_flag(
                        credential=credential,
                        reason=f"Flagged by support: {reason}",
                        actor=request.user,
                        cause=Credential.FlagCause.SUPPORT,
                        note=reason,
                    )
                    self._done(request, credential, "flagged; the user is asked to reconnect")
            return self._back(request)
        reason = form.data.get("reason", "") if form.is_bound else ""
        people = [
            (
                credential,
                flag_message(
                    credential=credential,
                    cause=Credential.FlagCause.SUPPORT_RESET
                    if reset
                    else Credential.FlagCause.SUPPORT,
                    note=reason or "…",
                ),
            )
            for credential in credentials
        ]
        return TemplateResponse(
            request,
            "admin/connections/confirm_support_request.html",
            {
                **self.admin_site.each_context(request),
                "title": "Reset connection" if reset else "Ask to reconnect",
                "reset": reset,
                "form": form,
                "people": people,
                "selected": [obj.pk for obj in queryset],
                "action": request.POST.get("action", ""),
                "opts": self.model._meta,
                "next": request.POST.get("next") or request.get_full_path(),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class SupportRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why (the person reads this)",
        max_length=300,
        widget=forms.Textarea(
            attrs={"rows": 3, "style": "width:100%;max-width:40rem;box-sizing:border-box"}
        ),
        help_text="Plain words, e.g. \u201cwe changed how we connect to Withings\u201d.",
    )


# No provider Tendon serves has data from before this day (Fitbit's first tracker: 2009).
EARLIEST_BACKFILL = date(2008, 1, 1)
DEFAULT_BACKFILL = timedelta(days=30)


def earliest_backfill(provider_ids) -> date:
    """The first day every one of these providers still has data for."""
    today = timezone.localdate()
    earliest = EARLIEST_BACKFILL
    for provider_id in provider_ids:
        spec = PROVIDERS.get(provider_id)
        if spec is not None and spec.history_days is not None:
            earliest = max(earliest, today - timedelta(days=spec.history_days))
    return earliest


class BackfillForm(forms.Form):
    since = forms.DateField(
        label="Import everything again from",
        # A date input shows only an ISO value, whatever the language.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, earliest: date, **kwargs) -> None:
        kwargs.setdefault("initial", {"since": timezone.localdate() - DEFAULT_BACKFILL})
        super().__init__(*args, **kwargs)
        self.earliest = earliest
        today = timezone.localdate()
        self.fields["since"].widget.attrs.update(
            {"min": earliest.isoformat(), "max": today.isoformat()}
        )
        self.fields["since"].help_text = (
            f"Between {earliest.day} {earliest:%b %Y} and today. Records already imported are "
            "updated in place, never duplicated."
        )

    def clean_since(self) -> date:
        since = self.cleaned_data["since"]
        if since > timezone.localdate():
            raise forms.ValidationError(
                "Choose today or a day in the past: there is nothing to import from the future."
            )
        if since < self.earliest:
            raise forms.ValidationError(
                f"Choose {self.earliest.day} {self.earliest:%b %Y} or later: the provider keeps no "
                "data from before that day."
            )
        return since
