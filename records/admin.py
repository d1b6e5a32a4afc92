"""Imported records in the admin: read-only, and quick on tables with millions of rows."""

from django.contrib import admin

from connections.admin.common import EstimatedCountPaginator, ReadOnlyAdminMixin
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession


class RecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_select_related = ("user",)
    list_filter = ("provider",)
    search_fields = ("=key", "user__email__iexact")
    search_help_text = "Exact record key or e-mail address."
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-id",)


@admin.register(Activity)
class ActivityAdmin(RecordAdmin):
    list_display = ("id", "user", "provider", "start", "activity_type", "duration", "distance_m")


@admin.register(SleepSession)
class SleepSessionAdmin(RecordAdmin):
    list_display = ("id", "user", "provider", "start", "end", "minutes_asleep")


@admin.register(BodyMeasurement)
class BodyMeasurementAdmin(RecordAdmin):
    list_display = ("id", "user", "provider", "measured_at", "weight_kg", "fat_percent")


@admin.register(DailySummary)
class DailySummaryAdmin(RecordAdmin):
    list_display = ("id", "user", "provider", "date", "steps", "resting_heart_rate")
