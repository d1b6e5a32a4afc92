"""Bulk synthetic users, grants and connections for the scale benchmarks."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

SCOPE = "https://www.googleapis.com/auth/googlehealth.sleep.readonly"
BATCH = 5000


def fill_connections(count: int, *, due: bool) -> None:
    from django.contrib.auth import get_user_model

    from connections.models import Connection, Credential

    User = get_user_model()
    now = timezone.now()
    start = User.objects.count()
    for offset in range(0, count, BATCH):
        size = min(BATCH, count - offset)
        users = User.objects.bulk_create(
            [
                User(email=f"scale{start + offset + i}@example.com", password="!")
                for i in range(size)
            ]
        )
        credentials = Credential.objects.bulk_create(
            [
                Credential(
                    user=u,
                    provider="demo",
                    account_uid=f"scale-{u.pk}",
                    account_label=u.email,
                    access_token="a",
                    refresh_token="r",
                    scopes=[SCOPE],
                    expires_at=now + timedelta(hours=1),
                    last_refreshed_at=now,
                )
                for u in users
            ]
        )
        Connection.objects.bulk_create(
            [
                Connection(
                    user_id=c.user_id,
                    provider="demo",
                    feed="sleep",
                    account_uid=c.account_uid,
                    credential=c,
                    next_run_at=now - timedelta(seconds=i) if due else now + timedelta(hours=1),
                    failing_since=now - timedelta(days=2) if i % 50 == 0 else None,
                    last_error_code="unreachable" if i % 50 == 0 else "",
                    last_error_message="Demo Health could not be reached." if i % 50 == 0 else "",
                )
                for i, c in enumerate(credentials)
            ]
        )
