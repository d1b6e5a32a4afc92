"""Imported records in the admin: read-only, quick on big tables, and for staff who may see
health values only (the "view health data" permission); every look is logged."""

from collections import Counter

from django.contrib import admin

from connections.admin.common import EstimatedCountPaginator, ReadOnlyAdminMixin, relative
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession, StaffRecordView

HEALTH_DATA = "records.view_health_data"


def log_record_view(*, staff, subject, what: str) -> None:
    StaffRecordView.objects.create(staff=staff, subject=subject, what=what[:255])


def log_list_view(*, staff, listing: str, records) -> None:
    """One row per person whose records the list showed (how many of theirs), so a person's
    audit trail names every look at their values; one row with no person for an empty list."""
    shown = Counter(record.user_id for record in records)
    if not shown:
        log_record_view(staff=staff, subject=None, what=listing)
        return
    StaffRecordView.objects.bulk_create(
        StaffRecordView(
            staff=staff,
            subject_id=user_id,
            what=f"{listing}: {count} of their records shown"[:255],
        )
        for user_id, count in shown.items()
    )


class RecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_select_related = ("user",)
    list_filter = ("provider",)
    search_fields = ("=key", "user__email__iexact")
    search_help_text = "Exact record key or e-mail address."
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-id",)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(HEALTH_DATA) and super().has_view_permission(request, obj)

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm(HEALTH_DATA) and super().has_module_permission(request)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            query = request.GET.urlencode()
            listing = f"{self.model._meta.verbose_name_plural} list"
            log_list_view(
                staff=request.user,
                listing=f"{listing} ?{query}" if query else listing,
                records=changelist.result_list,
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        record = self.get_object(request, object_id)
        if response.status_code == 200 and record is not None:
            log_record_view(
                staff=request.user,
                subject=record.user,
                what=f"{self.model._meta.verbose_name} #{record.pk}",
            )
        return response


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


@admin.register(StaffRecordView)
class StaffRecordViewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who looked at whose health values, when. Readable by staff with the audit permission."""

    list_display = ("when", "staff", "subject", "what")
    list_select_related = ("staff", "subject")
    search_fields = ("subject__email__iexact", "staff__email__iexact")
    search_help_text = "Exact e-mail address of the person or of the staff member."
    show_full_result_count = False

    @admin.display(description="when", ordering="viewed_at")
    def when(self, obj):
        return relative(obj.viewed_at)
