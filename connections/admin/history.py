"""Credentials, import runs and events: read-only, quick on big tables, no token anywhere."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from connections.admin.actions import OperateMixin
from connections.admin.common import EstimatedCountPaginator, ReadOnlyAdminMixin, relative
from connections.admin.filters import ProviderFilter, RunProviderFilter
from connections.models import ConnectionEvent, Credential, ImportRun, Revocation, SetAsideRecord
from connections.providers import spec_for
from records.admin import HEALTH_DATA, log_record_view

ERROR_CODES = [
    ("needs_reauth", "Needs re-authorization: the grant stopped working"),
    ("scope_missing", "Permission missing: the person did not allow a feed"),
    ("rate_limited", "Rate limited: the provider asked us to slow down"),
    ("unreachable", "Provider not answering (network, timeout or 5xx)"),
    ("provider_error", "Provider reported an error"),
    ("bad_response", "Provider sent an answer we cannot read"),
    ("provider_refused", "Provider refused the request (our set-up, e.g. the OAuth app)"),
    ("tokens_unreadable", "Stored tokens unreadable (TOKEN_ENCRYPTION_KEYS changed)"),
    ("lost", "Worker stopped during the import (task lost)"),
    ("internal_error", "Bug in Tendon (see the run's error and the logs)"),
    ("superseded", "Replaced by a newer run of the same connection"),
    ("disabled", "Connection switched off"),
    ("unavailable", "Provider no longer offered on this Tendon"),
]
DESCRIPTIONS = dict(ERROR_CODES)
UNREADABLE_TOKENS = (
    "needs attention: no key in TOKEN_ENCRYPTION_KEYS decrypts its stored tokens "
    "(restore the old key)"
)


def error_description(code: str) -> str:
    """What an error code means, in a sentence support can act on."""
    return DESCRIPTIONS.get(code, code.replace("_", " ").capitalize())


class ErrorCodeFilter(admin.SimpleListFilter):
    title = "error"
    parameter_name = "error"

    def lookups(self, request, model_admin):
        return ERROR_CODES

    def queryset(self, request, queryset):
        return queryset.filter(error_code=self.value()) if self.value() else queryset


class ExpiringFilter(admin.SimpleListFilter):
    title = "access token"
    parameter_name = "expires"

    def lookups(self, request, model_admin):
        return [("hour", "expires within the hour")]

    def queryset(self, request, queryset):
        if self.value() == "hour":
            return queryset.filter(
                status=Credential.Status.ACTIVE, expires_at__lte=timezone.now() + timedelta(hours=1)
            )
        return queryset


@admin.register(Credential)
class CredentialAdmin(OperateMixin, admin.ModelAdmin):
    list_display = (
        "user",
        "provider_name",
        "account_label",
        "grant_status",
        "expires",
        "refreshed",
    )
    list_display_links = ("account_label",)
    list_filter = ("status", ProviderFilter, ExpiringFilter)
    list_select_related = ("user",)
    search_fields = ("=id", "=account_uid", "user__email__iexact")
    search_help_text = "Exact e-mail address, grant id or provider account id."
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-id",)
    raw_id_fields = ("user", "social_account")
    # Token columns are excluded here and are not editable anywhere.
    fields = (
        "user",
        "provider_name",
        "account_uid",
        "account_label",
        "grant_status",
        "status_changed_at",
        "expires_at",
        "last_refreshed_at",
        "last_used_at",
        "refresh_failures",
        "permissions",
        "notified_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ["refresh_token_now", "flag_for_reauthorization", "reset_connection"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="provider", ordering="provider")
    def provider_name(self, obj):
        return spec_for(obj.provider).name

    @admin.display(description="status", ordering="status")
    def grant_status(self, obj):
        # A grant whose tokens no key decrypts is stored as active but cannot work.
        if obj.tokens_unreadable:
            return f"{obj.get_status_display()}, but {UNREADABLE_TOKENS}"
        return obj.get_status_display()

    @admin.display(description="permissions granted")
    def permissions(self, obj):
        """The scopes as the permission names people see on the provider's consent page."""
        spec = spec_for(obj.provider)
        named = [spec.permissions[s].label for s in obj.scopes if s in spec.permissions]
        other = [s.rsplit("/", 1)[-1] for s in obj.scopes if s not in spec.permissions]
        if not named and not other:
            return "none"
        words = ", ".join(named)
        if other:
            words += f" (and sign-in scopes: {', '.join(other)})" if named else ", ".join(other)
        return words

    @admin.display(description="token expires", ordering="expires_at")
    def expires(self, obj):
        return relative(obj.expires_at)

    @admin.display(description="last refreshed", ordering="last_refreshed_at")
    def refreshed(self, obj):
        return relative(obj.last_refreshed_at, empty="never")


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "queued", "user_email", "connection", "outcome", "records", "error")
    list_filter = ("outcome", ErrorCodeFilter, RunProviderFilter)
    list_select_related = ("connection", "connection__user")
    search_fields = ("=id", "=connection__id")
    search_help_text = "Exact run id or connection id."
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-id",)

    @admin.display(description="records")
    def records(self, obj):
        text = f"{obj.created_count} new, {obj.updated_count} updated"
        if obj.skipped_count:
            text += f", {obj.skipped_count} set aside"
        return f"{text} ({obj.api_calls} calls)"

    @admin.display(description="what went wrong", ordering="error_code")
    def error(self, obj):
        return error_description(obj.error_code) if obj.error_code else "—"

    @admin.display(description="person")
    def user_email(self, obj):
        return obj.connection.user.email

    @admin.display(description="queued", ordering="queued_at")
    def queued(self, obj):
        return relative(obj.queued_at)


@admin.register(ConnectionEvent)
class ConnectionEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "connection", "kind", "message", "actor_kind", "actor", "when")
    list_filter = ("kind", "actor_kind")
    list_select_related = ("connection", "actor")
    search_fields = ("=id", "=connection__id")
    search_help_text = "Exact event id or connection id."
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-id",)

    @admin.display(description="when", ordering="created_at")
    def when(self, obj):
        return relative(obj.created_at)


@admin.register(SetAsideRecord)
class SetAsideRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Records a provider sent that could not be stored. The payload holds health values, so it
    is shown only to staff with the "view health data" permission."""

    list_display = ("id", "connection", "kind", "key", "reason", "times_seen", "last_seen")
    list_select_related = ("connection",)
    search_fields = ("=connection__id", "=key")
    search_help_text = "Exact connection id or record id."
    show_full_result_count = False
    ordering = ("-last_seen_at",)

    def get_fields(self, request, obj=None):
        fields = [
            "connection",
            "run",
            "kind",
            "key",
            "reason",
            "times_seen",
            "first_seen_at",
            "last_seen_at",
        ]
        if request.user.has_perm(HEALTH_DATA):
            fields.append("raw_text")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        item = self.get_object(request, object_id)
        if response.status_code == 200 and item and request.user.has_perm(HEALTH_DATA):
            log_record_view(
                staff=request.user,
                subject=item.connection.user,
                what=f"set-aside record #{item.pk} (payload)",
            )
        return response

    @admin.display(description="last seen", ordering="last_seen_at")
    def last_seen(self, obj):
        return relative(obj.last_seen_at)


@admin.register(Revocation)
class RevocationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Grants Tendon let go of and asked the provider to revoke. Tokens are never shown."""

    list_display = (
        "id",
        "provider",
        "account_label",
        "user",
        "reason",
        "status",
        "attempts",
        "next_try",
        "last_error",
    )
    list_filter = ("status", "provider", "reason")
    list_select_related = ("user",)
    search_fields = ("=account_uid", "user__email__iexact")
    search_help_text = "Exact provider account id or e-mail address."
    show_full_result_count = False
    ordering = ("-created_at",)
    fields = (
        "provider",
        "account_uid",
        "account_label",
        "user",
        "reason",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields

    @admin.display(description="next try", ordering="next_attempt_at")
    def next_try(self, obj):
        return relative(obj.next_attempt_at) if obj.status == Revocation.Status.PENDING else "—"
