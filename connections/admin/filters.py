"""List filters with fixed choices (never SELECT DISTINCT over a big table)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from connections.providers import PROVIDERS
from connections.selectors import STATUSES, status_q

__all__ = ["FailingFilter", "ProviderFilter", "RunProviderFilter", "StatusFilter", "status_q"]


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(code, label) for code, label, _tone in STATUSES]

    def queryset(self, request, queryset):
        known = {code for code, _label in self.lookup_choices}
        # An unknown value (a hand-edited URL) filters nothing rather than failing the page.
        return queryset.filter(status_q(self.value())) if self.value() in known else queryset


class ProviderFilter(admin.SimpleListFilter):
    """By provider; `field` is the path to the provider's id from the listed model."""

    title = "provider"
    parameter_name = "provider"
    field = "provider"

    def lookups(self, request, model_admin):
        return [(spec.id, spec.name) for spec in PROVIDERS.values()]

    def queryset(self, request, queryset):
        # An unknown value (a hand-edited URL) filters nothing rather than failing the page.
        if self.value() not in PROVIDERS:
            return queryset
        return queryset.filter(**{self.field: self.value()})


class RunProviderFilter(ProviderFilter):
    field = "connection__provider"


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
