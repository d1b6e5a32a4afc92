from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User
from connections.admin.common import relative, status_pill
from connections.admin.history import error_description
from connections.models import Connection
from connections.providers import spec_for
from connections.selectors import connection_status


class ConnectionInline(admin.TabularInline):
    """A person's connections, as support reads them: by name, with the person's own status."""

    model = Connection
    fields = ("provider_name", "feed", "status", "last_import", "last_error")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("credential")

    @admin.display(description="provider")
    def provider_name(self, obj):
        return spec_for(obj.provider).short_name

    @admin.display(description="status")
    def status(self, obj):
        return status_pill(connection_status(connection=obj))

    @admin.display(description="last import")
    def last_import(self, obj):
        return relative(obj.last_success_at, empty="never")

    @admin.display(description="last error")
    def last_error(self, obj):
        return error_description(obj.last_error_code) if obj.last_error_code else "—"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [ConnectionInline]
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active", "date_joined")
    search_fields = ("email__iexact", "=id")
    search_help_text = "Exact e-mail address or user id."
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "notify_by_email")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_fieldsets(self, request, obj=None):
        """Without the right to change people (the Support group), no password field: its
        "Reset password" link would lead to a page they may not open."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]
