"""The health dashboard: what is not working and why, how imports went, whether the queue
moves. It reads the counts the worker keeps (connections/services/health.py), so it costs a
fixed handful of queries at any size."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from connections.admin.charts import DAYS, HOURS, runs_chart, statuses_chart
from connections.admin.common import pill, relative
from connections.admin.history import error_description
from connections.messages import push_reason
from connections.models import Connection, RunTally, StatusSnapshot, WebhookHint
from connections.providers import PROVIDERS
from connections.selectors import NOT_WORKING, STATUSES, connection_status, trouble_since
from connections.services.health import health_snapshot_take, run_tallies_refresh

STALE = timedelta(minutes=20)  # counts older than this: say the worker may be stopped


def _queue() -> dict:
    """The task queue's depth and the workers' last heartbeat, as django-q2 reports them."""
    from django_q.brokers import get_broker
    from django_q.models import Schedule
    from django_q.status import Stat

    broker = get_broker()
    try:
        depth = broker.queue_size()
    except Exception:  # noqa: BLE001 - a broker that cannot answer is itself the news
        depth = None
    clusters = [
        {"name": stat.cluster_id, "status": stat.status, "heartbeat": relative(stat.timestamp)}
        for stat in Stat.get_all(broker=broker)
    ]
    schedules = [
        {"name": s.name, "next_run": relative(s.next_run)}
        for s in Schedule.objects.filter(name__startswith="tendon").order_by("name")
    ]
    return {"depth": depth, "clusters": clusters, "schedules": schedules}


def _push(*, now, providers) -> dict:
    """Push notifications of the last 24 hours: per provider, and refusals by reason."""
    counts = (
        WebhookHint.objects.filter(received_at__gte=now - timedelta(hours=24))
        .values_list("provider", "outcome", "reason")
        .annotate(n=Count("id"))
    )
    rows = {
        p.id: {"name": p.short_name, "received": 0, **dict.fromkeys(WebhookHint.Outcome, 0)}
        for p in providers
    }
    refused: dict[str, int] = {}
    for provider, outcome, reason, n in counts:
        row = rows.setdefault(
            provider, {"name": provider, "received": 0, **dict.fromkeys(WebhookHint.Outcome, 0)}
        )
        row["received"] += n
        row[outcome] = row.get(outcome, 0) + n
        if outcome == WebhookHint.Outcome.REFUSED:
            refused[reason] = refused.get(reason, 0) + n
    return {
        "rows": list(rows.values()),
        "total": sum(r["received"] for r in rows.values()),
        "refused": sorted(
            ((reason, push_reason(reason), n) for reason, n in refused.items()),
            key=lambda item: -item[2],
        ),
    }


def _grid(snapshot: StatusSnapshot, providers) -> list[dict]:
    """Connections by status (the person's pill) and provider."""
    ids = [p.id for p in providers] + sorted(set(snapshot.counts) - {p.id for p in providers})
    return [
        {
            "code": code,
            "pill": pill(label, tone),
            "counts": [snapshot.counts.get(provider, {}).get(code, 0) for provider in ids],
            "total": snapshot.total(code),
        }
        for code, label, tone in STATUSES
    ]


def _failing(snapshot: StatusSnapshot) -> dict:
    """Every connection that is not working: counted by status, and the first of them listed
    as the worker found them (no grant is read, so no token is decrypted here)."""
    tones = {code: (label, tone) for code, label, tone in STATUSES}
    tones["retrying"] = ("Retrying", "ok-outline")
    codes = [*NOT_WORKING, "retrying"]
    parts = [(pill(*tones[code]), code, snapshot.total(code)) for code in codes]
    listed = dict(snapshot.attention)
    found = (
        Connection.objects.filter(pk__in=listed)
        .select_related("user", "credential")
        .only(
            "provider",
            "feed",
            "enabled",
            "failing_since",
            "last_error_message",
            "updated_at",
            "user__email",
            "credential__status",
            "credential__status_changed_at",
            "credential__flag_cause",
            "credential__flag_note",
        )
        .order_by()
    )
    by_id = {c.pk: c for c in found}
    rows = []
    for pk, code in snapshot.attention:
        connection = by_id.get(pk)
        if connection is None:
            continue
        error = connection.last_error_message
        if code == "needs_reauth":
            # The grant's cause, on each of its feeds (a dead grant's status needs no token).
            error = connection_status(connection=connection).explanation
        since = relative(trouble_since(connection=connection))
        rows.append((connection, pill(*tones[code]), since, error))
    return {"total": sum(n for _p, _c, n in parts), "parts": parts, "rows": rows}


def _errors(tallies: list[RunTally], *, since) -> list[tuple[str, str, int]]:
    """Failed and partial runs of the last 24 hours, grouped by what went wrong, in words."""
    counts: dict[str, int] = {}
    for tally in tallies:
        if tally.error_code and tally.hour >= since:
            counts[tally.error_code] = counts.get(tally.error_code, 0) + tally.count
    return sorted(
        ((code, error_description(code), n) for code, n in counts.items()), key=lambda e: -e[2]
    )


def health_dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("connections.view_connection"):
        raise PermissionDenied
    from django.contrib import admin

    now = timezone.now()
    today = timezone.localdate(now)
    providers = list(PROVIDERS.values())
    snapshots = list(StatusSnapshot.objects.filter(day__gt=today - timedelta(days=DAYS)))
    if not snapshots or snapshots[0].day != today:
        # A fresh install, or the first visit of the day before the worker counted: count now.
        run_tallies_refresh(now=now)
        snapshots.insert(0, health_snapshot_take(now=now))
    snapshot = snapshots[0]
    tallies = list(
        RunTally.objects.filter(hour__gt=now - timedelta(hours=HOURS)).exclude(count=0)
    )
    runs_svg, runs_legend, runs_total = runs_chart(tallies, now=now)
    statuses_svg, statuses_legend = statuses_chart(snapshots, today=today)
    context = {
        **admin.site.each_context(request),
        "title": "Connection health",
        "providers": providers,
        "snapshot": snapshot,
        "counted": relative(snapshot.taken_at),
        "stale": snapshot.taken_at < now - STALE,
        "grid": _grid(snapshot, providers),
        "other_providers": sorted(set(snapshot.counts) - {p.id for p in providers}),
        "failing": _failing(snapshot),
        "errors": _errors(tallies, since=now - timedelta(hours=24)),
        "runs_chart": runs_svg,
        "runs_legend": runs_legend,
        "runs_total": runs_total,
        "statuses_chart": statuses_svg,
        "statuses_legend": statuses_legend,
        "queue": _queue(),
        "push": _push(now=now, providers=providers),
    }
    return TemplateResponse(request, "admin/connections/health.html", context)

