"""Doors for My Account > Connect: parse input, call one service, render its result."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from connections import messages as words
from connections.cards import connect_cards, enable_url, provider_page
from connections.enabling import enable_page
from connections.forms import FeedChoiceForm
from connections.history import event_lines, open_run, run_lines, run_progress
from connections.models import Connection, Credential
from connections.providers import spec_for
from connections.selectors import (
    connection_for_user,
    connection_runs,
    connection_status,
    connection_timeline,
    providers_offered,
)
from connections.services.authorization import authorization_start
from connections.services.connections import (
    AuthorizationNeeded,
    connection_disable,
    connection_enable,
)
from connections.services.credentials import credential_remove
from connections.services.scheduling import (
    ImportAlreadyRunning,
    SyncTooSoon,
    connection_import_now,
)
from connections.troubleshooting import what_to_do
from records.selectors import records_summary


def _own_connection(request: HttpRequest, pk: int) -> Connection:
    try:
        return connection_for_user(user=request.user, pk=pk)
    except Connection.DoesNotExist:
        raise Http404("No such connection.") from None


def _back(request: HttpRequest, default: str, *args) -> HttpResponse:
    """Back to the page the button was on (a path of this site), or to default."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect(default, *args)


def _enable_url(provider: str, feed: str | None = None) -> str:
    return enable_url(provider, [feed] if feed else [])


@login_required
def connect_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "connections/index.html",
        {"cards": connect_cards(user=request.user, request=request)},
    )


@login_required
def provider_detail(request: HttpRequest, provider: str) -> HttpResponse:
    page = provider_page(user=request.user, provider=provider, request=request)
    if page is None:
        raise Http404("This service is not offered here.")
    return render(request, "connections/provider.html", {"page": page, "spec": page.spec})


@login_required
@require_http_methods(["GET", "POST"])
def provider_enable(request: HttpRequest, provider: str) -> HttpResponse:
    spec = next((s for s in providers_offered(request=request) if s.id == provider), None)
    if spec is None:
        raise Http404("This service is not offered here.")
    another = request.GET.get("account") == "another"
    if request.method == "POST":
        form = FeedChoiceForm(request.POST, spec=spec)
        if form.is_valid():
            return authorization_start(
                request=request, provider_id=spec.id, feeds=form.cleaned_data["feeds"]
            )
        chosen = request.POST.getlist("feeds")
    else:
        chosen = [f for f in request.GET.getlist("feed") if f in spec.feeds] or None
        form = FeedChoiceForm(spec=spec)
    page = enable_page(user=request.user, spec=spec, chosen=chosen, another_account=another)
    return render(request, "connections/enable.html", {"spec": spec, "form": form, "page": page})


@login_required
def connection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    spec = spec_for(connection.provider)
    status = connection_status(connection=connection)
    # A removed connection has no grant: its permissions are neither allowed nor refused.
    granted = set(connection.credential.scopes) if connection.credential else None
    permissions = [
        (permission, None if granted is None else permission.scope in granted)
        for permission in spec.permissions_for([connection.feed])
    ]
    runs = run_lines(runs=connection_runs(connection=connection), connection=connection, spec=spec)
    imported, _latest = records_summary(
        user_id=connection.user_id,
        provider=connection.provider,
        account_uid=connection.account_uid,
        feed=connection.feed,
    )
    return render(
        request,
        "connections/detail.html",
        {
            "connection": connection,
            "spec": spec,
            "status": status,
            "permissions": permissions,
            "what_to_do": what_to_do(
                spec=spec, connection=connection, status=status, imported=imported
            ),
            "events": event_lines(events=connection_timeline(connection=connection)),
            "runs": runs,
            "open_run": next((line for line in runs if line.open), None),
            "allow_url": _enable_url(connection.provider, connection.feed),
        },
    )


@login_required
def connection_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The run queued or under way, for the connection page's progress line (its owner only)."""
    connection = _own_connection(request, pk)
    run = open_run(connection=connection)
    if run is None:
        return JsonResponse({"state": "idle", "text": ""})
    return JsonResponse(
        {"state": run.outcome, "run": run.pk, "text": run_progress(run=run, connection=connection)}
    )


@login_required
@require_POST
def connection_disable_view(request: HttpRequest, pk: int) -> HttpResponse:
    connection = connection_disable(connection=_own_connection(request, pk), actor=request.user)
    messages.success(
        request,
        f"{connection.get_feed_display()} from {spec_for(connection.provider).short_name} is "
        "switched off. Nothing is imported; your data is kept.",
    )
    return _back(request, "provider_detail", connection.provider)


@login_required
@require_POST
def connection_enable_view(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    if not spec_for(connection.provider).available:
        messages.error(request, words.unavailable(spec_for(connection.provider)))
        return redirect("connect")
    try:
        connection = connection_enable(connection=connection, actor=request.user)
    except AuthorizationNeeded:
        return redirect(_enable_url(connection.provider, connection.feed))
    messages.success(
        request,
        f"{connection.get_feed_display()} from {spec_for(connection.provider).short_name} is "
        "switched on. Importing continues from where it stopped.",
    )
    return _back(request, "provider_detail", connection.provider)


@login_required
@require_http_methods(["GET", "POST"])
def connection_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    spec = spec_for(connection.provider)
    credential = connection.credential
    if credential is None or credential.status == Credential.Status.REVOKED:
        messages.info(request, f"{spec.short_name} is already removed.")
        return redirect("connect")
    if request.method == "POST":
        result = credential_remove(credential=credential, actor=request.user)
        messages.success(request, words.removed(spec, revoked=result.revoked_at_provider))
        return redirect("connect")
    feeds = [c.get_feed_display().lower() for c in credential.connections.order_by("feed")]
    return render(
        request,
        "connections/remove.html",
        {
            "connection": connection,
            "spec": spec,
            "credential": credential,
            "feeds": ", ".join(feeds),
        },
    )


@login_required
@require_POST
def connection_reconnect_view(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    if not spec_for(connection.provider).available:
        messages.error(request, words.unavailable(spec_for(connection.provider)))
        return redirect("connect")
    credential = connection.credential
    if credential is None:
        return redirect(_enable_url(connection.provider, connection.feed))
    feeds = sorted({c.feed for c in credential.connections.all() if c.enabled} | {connection.feed})
    return authorization_start(
        request=request,
        provider_id=connection.provider,
        feeds=feeds,
        expected_credential=credential,
    )


@login_required
@require_POST
def connection_sync_view(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    name = f"{connection.get_feed_display()} from {spec_for(connection.provider).short_name}"
    if not connection_status(connection=connection).can_import:
        messages.error(request, f"{name} cannot be imported now: see what to do below.")
        return redirect("connection_detail", pk=connection.pk)
    try:
        # One person's clicks never turn into a burst of imports.
        cooldown = timedelta(seconds=settings.SYNC_COOLDOWN_SECONDS)
        connection_import_now(connection=connection, actor=request.user, cooldown=cooldown)
    except ImportAlreadyRunning:
        messages.info(request, f"{name} is being imported right now.")
    except SyncTooSoon as wait:
        seconds = max(1, round((wait.retry_at - timezone.now()).total_seconds()))
        messages.info(
            request,
            f"{name} was imported moments ago. You can sync it again in {seconds} seconds; "
            "new data also arrives on its own.",
        )
    else:
        messages.success(request, f"{name}: import queued. It appears below when it has run.")
    return redirect("connection_detail", pk=connection.pk)
