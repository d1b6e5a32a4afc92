"""Writes on one connection (one feed): switching it off and on."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from connections.models import Connection, ConnectionEvent
from connections.providers import offered_spec
from connections.services.events import event_record
from connections.services.scheduling import imports_dispatch_soon


class AuthorizationNeeded(Exception):
    """The feed cannot run on the grant we hold: the person must go to the provider."""


@transaction.atomic
def connection_disable(*, connection: Connection, actor) -> Connection:
    """The connection, switched off: nothing is imported, everything is kept."""
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    if not connection.enabled:
        return connection
    connection.enabled = False
    connection.next_run_at = None
    connection.save(update_fields=["enabled", "next_run_at", "updated_at"])
    event_record(
        connection=connection,
        kind=ConnectionEvent.Kind.DISABLED,
        actor=actor,
        message="Switched off. Nothing is imported; everything imported so far is kept.",
    )
    return connection


@transaction.atomic
def connection_enable(*, connection: Connection, actor) -> Connection:
    """The connection, switched on and due now; AuthorizationNeeded if the grant cannot serve it,
    ProviderNotOffered (nothing changed) if its provider has left the registry."""
    connection = (
        Connection.objects.select_for_update(of=("self",))
        .select_related("credential")
        .get(pk=connection.pk)
    )
    credential = connection.credential
    scopes = offered_spec(connection.provider).feeds[connection.feed]
    if credential is None or not credential.is_usable or not credential.has_scopes(set(scopes)):
        raise AuthorizationNeeded(connection.provider)
    if connection.enabled:
        return connection
    connection.enabled = True
    connection.next_run_at = timezone.now()
    connection.save(update_fields=["enabled", "next_run_at", "updated_at"])
    imports_dispatch_soon()
    event_record(
        connection=connection,
        kind=ConnectionEvent.Kind.ENABLED,
        actor=actor,
        message="Switched on again; importing continues from where it stopped.",
    )
    return connection


@transaction.atomic
def connection_reset_cursor(*, connection: Connection, since, actor) -> Connection:
    """The connection, set to import again everything from `since` (a date) on: a backfill."""
    from datetime import datetime, time

    connection = Connection.objects.select_for_update(of=("self",)).get(pk=connection.pk)
    start = timezone.make_aware(datetime.combine(since, time.min))
    connection.cursor = start
    connection.chunk_start = connection.chunk_end = None
    connection.chunk_token = ""
    connection.next_run_at = timezone.now()
    connection.save(
        update_fields=["cursor", "chunk_start", "chunk_end", "chunk_token", "next_run_at"]
    )
    imports_dispatch_soon()
    event_record(
        connection=connection,
        kind=ConnectionEvent.Kind.BACKFILL,
        actor=actor,
        message=f"Set to import everything again from {since.day} {since:%b %Y} (a backfill).",
    )
    return connection
