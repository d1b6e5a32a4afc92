"""Bulk synthetic users, grants and connections for the scale benchmarks."""

from __future__ import annotations

import json
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


def fill_connections_sql(people: int, *, feeds: tuple[str, ...], runs: int) -> None:
    """PostgreSQL only: `people` users, each with one grant and one connection per feed, and
    `runs` import runs over the last 48 hours, generated in the database (INSERT … SELECT
    generate_series), in a mix of the states support meets."""
    from django.db import connection

    from connections.crypto import encrypt
    from connections.providers.google_health import scopes as google
    from connections.providers.withings import scopes as withings

    token = encrypt("bench-token")  # one real ciphertext: the pages decrypt it like any other
    google_scopes = json.dumps(list(google.PERMISSIONS))
    no_sleep = json.dumps([s for s in google.PERMISSIONS if s != google.SLEEP])
    withings_scopes = json.dumps(list(withings.PERMISSIONS))
    feed_list = "{" + ",".join(feeds) + "}"
    statements = [
        # Every 97th grant needs re-authorization; a third of the people use each provider.
        """INSERT INTO accounts_user (password, is_superuser, email, name, is_staff, is_active,
               date_joined, notify_by_email)
           SELECT '!', false, 'scale' || i || '@example.com', '', false, true, now(), true
           FROM generate_series(1, %(people)s) AS i""",
        """INSERT INTO connections_credential (provider, account_uid, account_label,
               access_token, refresh_token, expires_at, scopes, status, status_changed_at,
               last_refreshed_at, refresh_failures, calls_in_window, created_at, updated_at,
               user_id, flag_cause, flag_note, push_subscribed, push_sync_attempts,
               push_sync_error)
           SELECT (ARRAY['google_health', 'withings', 'demo'])[1 + u.id %% 3],
               'scale-' || u.id, u.email, %(token)s, %(token)s,
               now() + (u.id %% 180) * interval '1 minute',
               CASE WHEN u.id %% 3 = 1 THEN %(withings)s::jsonb
                    WHEN u.id %% 31 = 0 THEN %(no_sleep)s::jsonb ELSE %(google)s::jsonb END,
               CASE WHEN u.id %% 97 = 0 THEN 'needs_reauth' ELSE 'active' END,
               now(), now(), 0, 0, now(), now(), u.id,
               CASE WHEN u.id %% 97 = 0 THEN 'provider' ELSE '' END, '', '[]'::jsonb, 0, ''
           FROM accounts_user AS u WHERE u.email LIKE 'scale%%'""",
        # Every 50th connection is failing (every 200th for days: "Error"), every 17th body
        # feed is switched off, and sleep is refused where the grant lacks its scope.
        """INSERT INTO connections_connection (provider, feed, account_uid, enabled, cursor,
               next_run_at, last_success_at, last_error_code, last_error_message,
               failing_since, consecutive_failures, failure_days, chunk_token, created_at,
               updated_at, user_id, credential_id, reread_deletes, records_asked)
           SELECT c.provider, f.feed, c.account_uid,
               NOT (f.feed = 'body' AND c.user_id %% 17 = 0),
               now() - interval '1 hour', now() + interval '1 hour', now() - interval '1 hour',
               CASE WHEN f.feed = 'sleep' AND c.user_id %% 31 = 0 AND c.user_id %% 3 <> 1
                        THEN 'scope_missing'
                    WHEN (c.id + f.n) %% 50 = 0 THEN 'unreachable' ELSE '' END,
               CASE WHEN (c.id + f.n) %% 50 = 0 THEN 'Demo Health failed to answer (503).'
                    ELSE '' END,
               CASE WHEN (c.id + f.n) %% 200 = 0 THEN now() - interval '5 days'
                    WHEN (c.id + f.n) %% 50 = 0 THEN now() - interval '2 hours' END,
               0, 0, '', now(), now(), c.user_id, c.id, false, '[]'::jsonb
           FROM connections_credential AS c
           CROSS JOIN unnest(%(feeds)s::text[]) WITH ORDINALITY AS f(feed, n)""",
        """INSERT INTO connections_importrun (claim_token, outcome, queued_at, started_at,
               finished_at, api_calls, created_count, updated_count, error_code, error_message,
               connection_id, skipped_count)
           SELECT gen_random_uuid(),
               (ARRAY['ok','ok','ok','ok','ok','ok','ok','ok','failed','partial'])[1 + i %% 10],
               t, t, t + interval '2 seconds', 3, i %% 7, i %% 3,
               CASE WHEN i %% 10 = 8 THEN 'unreachable' ELSE '' END, '',
               (SELECT min(id) FROM connections_connection) + i %% %(connections)s, 0
           FROM generate_series(0, %(runs)s - 1) AS i,
               LATERAL (SELECT now() - (i %% 2880) * interval '1 minute') AS moment(t)""",
    ]
    parameters = {
        "people": people,
        "token": token,
        "google": google_scopes,
        "no_sleep": no_sleep,
        "withings": withings_scopes,
        "feeds": feed_list,
        "runs": runs,
        "connections": people * len(feeds),
    }
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, parameters)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
