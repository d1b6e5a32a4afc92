"""The health dashboard: what is failing, why, what expires soon, and whether the queue moves."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from connections.admin.common import relative
from connections.admin.filters import StatusFilter, status_q
from connections.messages import push_reason
from connections.models import Connection, Credential, ImportRun, WebhookHint
from connections.providers import PROVIDERS

LIMIT = 50


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


def health_dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("connections.view_connection"):
        raise PermissionDenied
    from django.contrib import admin

    now = timezone.now()
    providers = list(PROVIDERS.values())
    statuses = StatusFilter.lookups(None, request, None)
    grid = []
    for code, label in statuses:
        counts = dict(
            Connection.objects.filter(status_q(code))
            .values_list("provider")
            .annotate(n=Count("id"))
            .values_list("provider", "n")
        )
        grid.append(
            {
                "code": code,
                "label": label,
                "counts": [counts.get(p.id, 0) for p in providers],
                "total": sum(counts.values()),
            }
        )
    failing = (
        Connection.objects.filter(failing_since__isnull=False)
        .select_related("user")
        .order_by("failing_since")[:LIMIT]
    )
    errors = (
        ImportRun.objects.filter(finished_at__gte=now - timedelta(hours=24))
        .exclude(error_code="")
        .values("error_code")
        .annotate(n=Count("id"))
        .order_by("-n")[:10]
    )
    expiring = (
        Credential.objects.filter(
            status=Credential.Status.ACTIVE, expires_at__lte=now + timedelta(hours=1)
        )
        .select_related("user")
        .order_by("expires_at")[:LIMIT]
    )
    context = {
        **admin.site.each_context(request),
        "title": "Connection health",
        "providers": providers,
        "grid": grid,
        "failing": [(c, relative(c.failing_since)) for c in failing],
        "errors": list(errors),
        "expiring": [(c, relative(c.expires_at)) for c in expiring],
        "queue": _queue(),
        "push": _push(now=now, providers=providers),
    }
    return TemplateResponse(request, "admin/connections/health.html", context)
