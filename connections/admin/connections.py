"""Connections in the admin: health at a glance, safe actions, full history, no secrets."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from connections.admin.actions import BackfillForm, OperateMixin, earliest_backfill
from connections.admin.common import (
    EstimatedCountPaginator,
    pill,
    relative,
    status_pill,
)
from connections.admin.connection_page import ConnectionPageMixin
from connections.admin.filters import FailingFilter, ProviderFilter, StatusFilter
from connections.admin.history import error_description
from connections.models import (
    Connection,
    StatusSnapshot,
)
from connections.providers import PROVIDERS
from connections.providers.base import ProviderNotOffered
from connections.selectors import NOT_WORKING, STATUSES, connection_status
from connections.services.connections import (
    AuthorizationNeeded,
    connection_disable,
    connection_enable,
    connection_reset_cursor,
)
from connections.services.scheduling import ImportAlreadyRunning, connection_import_now


@admin.register(Connection)
class ConnectionAdmin(ConnectionPageMixin, OperateMixin, admin.ModelAdmin):
    # What support reads first fits 1280 px; the rest is on the connection's own page.
    list_display = ("user_email", "connection_name", "status_pill", "last_success", "short_error")
    list_display_links = ("connection_name",)
    list_filter = (StatusFilter, ProviderFilter, "feed", FailingFilter)
    list_select_related = ("user", "credential")
    list_per_page = 100
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-id",)
    search_fields = ("=id", "=account_uid", "user__email__iexact")
    search_help_text = "Exact e-mail address, connection id or provider account id."
    raw_id_fields = ("user", "credential")
    actions = [
        "refresh_token_now",
        "import_now",
        "disable",
        "enable",
        "flag_for_reauthorization",
        "reset_cursor",
        "reset_connection",
    ]
    change_form_template = "admin/connections/connection/change_form.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "status_pill",
                    "user_link",
                    "provider_name",
                    "feed",
                    "account_uid",
                    "enabled",
                )
            },
        ),
        (
            "Import",
            {
                "fields": (
                    "cursor",
                    "next_run",
                    "last_success",
                    "failing",
                    "full_error",
                    "records_imported",
                    "last_hint",
                )
            },
        ),
        ("Access (token values are never shown)", {"fields": ("token_metadata", "scopes_table")}),
        ("Timeline", {"fields": ("timeline",)}),
        ("Import runs", {"fields": ("runs_table",)}),
        ("Records set aside", {"fields": ("set_aside_table",)}),
    )

    def get_search_results(self, request, queryset, search_term):
        """One indexed lookup, chosen by what the term looks like: never an OR across tables,
        which would read every connection (bench/admin_scale.py)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit() and len(term) <= 18:
            return queryset.filter(Q(pk=int(term)) | Q(account_uid=term)), False
        if "@" in term:
            people = get_user_model().objects.filter(email__iexact=term).values("pk")
            return queryset.filter(user__in=people), False
        return queryset.filter(account_uid=term), False

    def changelist_view(self, request, extra_context=None):
        snapshot = StatusSnapshot.objects.first()
        strip = []
        if snapshot is not None:
            tones = {code: (label, tone) for code, label, tone in STATUSES}
            strip = [(code, pill(*tones[code]), snapshot.total(code)) for code in NOT_WORKING]
        extra_context = {
            **(extra_context or {}),
            "attention": strip,
            "counted": relative(snapshot.taken_at) if snapshot else "",
        }
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only page; changes go through the actions

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    @admin.display(description="status")
    def status_pill(self, obj):
        return status_pill(connection_status(connection=obj))

    @admin.display(description="person", ordering="user__email")
    def user_email(self, obj):
        # A narrow column breaks an address before its "@", never in the middle of a word.
        name, at, domain = obj.user.email.rpartition("@")
        return format_html("{}<wbr>{}{}", name, at, domain) if at else obj.user.email

    @admin.display(description="connection", ordering="provider")
    def connection_name(self, obj):
        spec = PROVIDERS.get(obj.provider)
        return f"{spec.short_name if spec else obj.provider} · {obj.get_feed_display()}"

    @admin.display(description="user")
    def user_link(self, obj):
        return format_html(
            '<a href="../../../accounts/user/{}/change/">{}</a>', obj.user_id, obj.user.email
        )

    @admin.display(description="provider", ordering="provider")
    def provider_name(self, obj):
        spec = PROVIDERS.get(obj.provider)
        return spec.short_name if spec else obj.provider

    @admin.display(description="last import", ordering="last_success_at")
    def last_success(self, obj):
        return relative(obj.last_success_at, empty="never")

    @admin.display(description="next run", ordering="next_run_at")
    def next_run(self, obj):
        return relative(obj.next_run_at)

    @admin.display(description="token expires")
    def token_expires(self, obj):
        return relative(obj.credential.expires_at) if obj.credential else "no grant"

    @admin.display(description="last error")
    def short_error(self, obj):
        """The feed's last error; for a grant that stopped working, its cause on every feed of
        it (the feeds that never reached the provider since have no error of their own)."""
        status = connection_status(connection=obj)
        if status.code == "needs_reauth":
            return format_html(
                '<span title="{}">{}</span>', obj.last_error_message, status.explanation
            )
        if not obj.last_error_code:
            return "—"
        return format_html(
            '<span title="{}">{}</span>',
            obj.last_error_message or obj.last_error_code,
            Truncator(obj.last_error_message).chars(60) or error_description(obj.last_error_code),
        )

    @admin.display(description="last error")
    def full_error(self, obj):
        if not obj.last_error_code:
            return "—"
        return format_html(
            "{}<br><span class=\"help\">{} (code {})</span>",
            obj.last_error_message or error_description(obj.last_error_code),
            error_description(obj.last_error_code),
            obj.last_error_code,
        )

    @admin.action(description="Import now", permissions=["operate"])
    def import_now(self, request, queryset):
        for connection in queryset:
            if not self._offered(request, connection):
                continue
            try:
                connection_import_now(connection=connection, actor=request.user)
            except ImportAlreadyRunning:
                self._done(request, connection, "already being imported", messages.WARNING)
            else:
                self._done(request, connection, "import queued")
        return self._back(request)

    @admin.action(description="Disable", permissions=["operate"])
    def disable(self, request, queryset):
        for connection in queryset:
            connection_disable(connection=connection, actor=request.user)
            self._done(request, connection, "disabled")
        return self._back(request)

    @admin.action(description="Enable", permissions=["operate"])
    def enable(self, request, queryset):
        for connection in queryset:
            try:
                connection_enable(connection=connection, actor=request.user)
            except ProviderNotOffered as refusal:
                self._say_nothing_done(request, connection, refusal)
            except AuthorizationNeeded:
                self._done(
                    request,
                    connection,
                    "cannot enable: the user must grant access again",
                    messages.ERROR,
                )
            else:
                self._done(request, connection, "enabled")
        return self._back(request)

    @admin.action(description="Backfill from a date…", permissions=["operate"])
    def reset_cursor(self, request, queryset):
        earliest = earliest_backfill({c.provider for c in queryset})
        form = BackfillForm(request.POST if "apply" in request.POST else None, earliest=earliest)
        if form.is_valid():
            since = form.cleaned_data["since"]
            for connection in queryset:
                if not self._offered(request, connection):
                    continue
                connection_reset_cursor(connection=connection, since=since, actor=request.user)
                self._done(
                    request,
                    connection,
                    f"will import everything again from {since.day} {since:%b %Y}",
                )
            return self._back(request)
        since = form.initial.get("since") or form.fields["since"].initial
        return TemplateResponse(
            request,
            "admin/connections/connection/backfill.html",
            {
                **self.admin_site.each_context(request),
                "title": "Backfill: import again from a date",
                "form": form,
                "proposed": since,
                "days": (timezone.localdate() - since).days if since else None,
                "queryset": queryset,
                "opts": self.model._meta,
                "next": request.POST.get("next", ""),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
