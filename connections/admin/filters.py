"""List filters with fixed choices (never SELECT DISTINCT over a big table)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from connections.models import Credential
from connections.providers import PROVIDERS
from connections.selectors import ERROR_AFTER


def status_q(code: str) -> Q:
    """The rows whose derived status (selectors.connection_status) is code."""
    now = timezone.now()
    active = Q(enabled=True, credential__status=Credential.Status.ACTIVE)
    missing = Q(last_error_code="scope_missing")
    error = Q(failing_since__lte=now - ERROR_AFTER)
    paused = Q(paused_until__gt=now)
    return {
        "disabled": Q(enabled=False),
        "needs_reauth": Q(enabled=True)
        & (Q(credential__isnull=True) | ~Q(credential__status=Credential.Status.ACTIVE)),
        "permission_missing": active & missing,
        "error": active & ~missing & error,
        "paused": active & ~missing & ~error & paused,
        "connected": active & ~missing & ~error & ~paused,
    }[code]


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("needs_reauth", "Needs re-authorization"),
            ("error", "Error"),
            ("permission_missing", "Permission missing"),
            ("paused", "Connected — paused"),
            ("connected", "Connected"),
            ("disabled", "Disabled"),
        ]

    def queryset(self, request, queryset):
        known = {code for code, _label in self.lookup_choices}
        # An unknown value (a hand-edited URL) filters nothing rather than failing the page.
        return queryset.filter(status_q(self.value())) if self.value() in known else queryset


class ProviderFilter(admin.SimpleListFilter):
    title = "provider"
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        return [(spec.id, spec.name) for spec in PROVIDERS.values()]

    def queryset(self, request, queryset):
        return queryset.filter(provider=self.value()) if self.value() else queryset


class FailingFilter(admin.SimpleListFilter):
    title = "failing"
    parameter_name = "failing"

    def lookups(self, request, model_admin):
        return [("24h", "for more than 24 hours"), ("now", "now")]

    def queryset(self, request, queryset):
        if self.value() == "24h":
            return queryset.filter(failing_since__lte=timezone.now() - timedelta(hours=24))
        if self.value() == "now":
            return queryset.filter(failing_since__isnull=False)
        return queryset
