"""Shared admin pieces: status pills, estimated counts for big tables, relative times."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html

from connections.humanize import ago
from connections.selectors import Status

TONES = {
    "ok": ("#e6f4ea", "#1e8e3e"),
    "ok-outline": ("#fff", "#1e8e3e"),
    "warn": ("#fef7e0", "#b06000"),
    "bad": ("#fce8e6", "#c5221f"),
    "bad-outline": ("#fff", "#c5221f"),
    "off": ("#f1f3f4", "#5f6368"),
}


def pill(label: str, tone: str, title: str = ""):
    """A status pill in the words and colours of the person's own (UX.md)."""
    background, colour = TONES[tone]
    return format_html(
        '<span class="pill" title="{}" style="background:{};color:{};border:1px solid {};'
        'border-radius:999px;padding:1px 8px;font-weight:600;white-space:nowrap">{}</span>',
        title,
        background,
        colour,
        colour,
        label,
    )


def status_pill(status: Status):
    return pill(status.label, status.tone, status.explanation)


def relative(moment, *, empty: str = "—"):
    """A time in the staff member's time zone with "3 hours ago" / "in 20 minutes" beside it."""
    if moment is None:
        return empty
    local = timezone.localtime(moment)
    return format_html(
        '<span title="{}">{} <small>({})</small></span>',
        local.isoformat(sep=" ", timespec="seconds"),
        f"{local.day} {local:%b %H:%M}",
        ago(moment),
    )


class EstimatedCountPaginator(Paginator):
    """Never counts a whole big table: PostgreSQL's planner estimate when the list is unfiltered."""

    @cached_property
    def count(self) -> int:
        query = self.object_list.query
        connection = connections[self.object_list.db]
        if connection.vendor == "postgresql" and not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [self.object_list.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > 10_000:
                return int(row[0])
        return super().count


class ReadOnlyAdminMixin:
    """History is written by the services, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
