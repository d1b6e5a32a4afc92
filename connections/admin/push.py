"""The push log in the admin: what each provider pushed and what Tendon did, read-only."""

from __future__ import annotations

from django.contrib import admin

from connections.admin.common import EstimatedCountPaginator, ReadOnlyAdminMixin, relative
from connections.messages import push_reason
from connections.models import WebhookHint


@admin.register(WebhookHint)
class WebhookHintAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "when", "provider", "outcome", "what", "data_type", "connection")
    list_filter = ("outcome", "provider", "reason")
    list_select_related = ("connection",)
    search_fields = ("=connection__id",)
    search_help_text = "Exact connection id."
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-id",)
    raw_id_fields = ("connection",)

    @admin.display(description="received", ordering="received_at")
    def when(self, obj):
        return relative(obj.received_at)

    @admin.display(description="what happened", ordering="reason")
    def what(self, obj):
        return push_reason(obj.reason)
