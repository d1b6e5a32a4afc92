from __future__ import annotations

from connections.models import Connection, ConnectionEvent


def event_record(
    *,
    connection: Connection,
    kind: str,
    message: str = "",
    actor=None,
    actor_kind: str | None = None,
    detail: str = "",
) -> ConnectionEvent:
    """The new timeline entry. With no actor, the system acted; a staff actor counts as staff.

    message is what the person reads; detail (error text, codes) is for support only."""
    if actor_kind is None:
        if actor is None:
            actor_kind = ConnectionEvent.Actor.SYSTEM
        elif actor.is_staff and actor.pk != connection.user_id:
            actor_kind = ConnectionEvent.Actor.STAFF
        else:
            actor_kind = ConnectionEvent.Actor.USER
    return ConnectionEvent.objects.create(
        connection=connection,
        kind=kind,
        message=message,
        detail=detail[:2000],
        actor=actor,
        actor_kind=actor_kind,
    )
