"""Push ingest: signed Google-format notifications against the real door, by hand, on PostgreSQL.

    .venv/bin/python bench/webhook_ingest.py                       # ORM broker
    .venv/bin/python bench/webhook_ingest.py --redis redis://127.0.0.1:6379/14

1. Door: gunicorn (2 sync workers, production settings) serves /webhooks/google_health/; client
   threads post notifications signed with a bench key (its Tink keyset served locally) for
   `--seconds`, each for one of `--accounts` connected Google accounts. No worker runs, so most
   hints coalesce into the run already claimed, as during a burst. Prints accepted notifications
   per second, p50/p95 answer time, and database queries per notification (the same door
   in-process, queries captured).
2. Latency: gunicorn plus a real `qcluster` and the demo provider. For each sample a workout is
   added at the demo and its notification posted; prints p50/p95 from the POST to the record's
   row existing (what My data reads).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _push import (  # noqa: E402
    ACTIVITY,
    AUTHORIZATION,
    environment,
    fill_google_accounts,
    free_port,
    notification,
    percentiles,
    serve_json,
    start_process,
    stop_process,
    wait_up,
)
from _setup import django_on, drop_postgres, throwaway_database  # noqa: E402


def door(port: int, key, uids: list[str], seconds: float, threads: int) -> None:
    import requests

    from sandbox.push import sign

    bodies = []
    for _ in range(2000):
        body = notification(random.choice(uids))  # noqa: S311
        bodies.append((body, sign(body, key)))
    url = f"http://127.0.0.1:{port}/webhooks/google_health/"
    stop = time.monotonic() + seconds
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def client() -> None:
        session = requests.Session()
        mine = []
        while time.monotonic() < stop:
            body, signature = random.choice(bodies)  # noqa: S311
            began = time.perf_counter()
            answer = session.post(
                url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "Authorization": AUTHORIZATION,
                    "GOOGLE-HEALTH-API-SIGNATURE": signature,
                },
                timeout=30,
            )
            mine.append((answer.status_code, time.perf_counter() - began))
        with lock:
            results.extend(mine)

    began = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(client)
    elapsed = time.monotonic() - began
    accepted = [t for status, t in results if status == 204]
    others = len(results) - len(accepted)
    p50, p95 = percentiles(accepted)
    print(
        f"  door: {len(accepted) / elapsed:,.0f} accepted notifications/s over {elapsed:.0f} s "
        f"({threads} client threads; {others} not accepted)"
    )
    print(f"        answer time p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")

    from django.db.models import Count

    from connections.models import WebhookHint

    outcomes = dict(WebhookHint.objects.values_list("reason").annotate(n=Count("id")))
    print(f"        hints by outcome: {outcomes}")


def queries_pernotification(key, uids: list[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sandbox.push import sign

    client = Client()

    def post(uid: str) -> int:
        body = notification(uid)
        with CaptureQueriesContext(connection) as captured:
            answer = client.post(
                "/webhooks/google_health/",
                body,
                content_type="application/json",
                headers={
                    "Authorization": AUTHORIZATION,
                    "GOOGLE-HEALTH-API-SIGNATURE": sign(body, key),
                },
            )
        assert answer.status_code == 204, answer.status_code
        return len(captured)

    from connections.models import Connection

    Connection.objects.update(claimed_until=None, claim_token=None)
    fresh = [post(uid) for uid in uids[:20]]  # each claims a run
    coalesced = [post(uid) for uid in uids[:20]]  # each finds its run queued
    ignored = [post(f"unknown{i}") for i in range(20)]
    print(
        f"  database statements per notification (BEGIN, COMMIT included): "
        f"{statistics.mean(fresh):.1f} starting an import, "
        f"{statistics.mean(coalesced):.1f} coalesced, {statistics.mean(ignored):.1f} unknown"
    )


def latency(port: int, samples: int) -> None:
    import requests
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, RefreshToken, get_application_model

    from connections.models import Connection, Credential
    from records.models import Activity
    from sandbox import changes
    from sandbox.identity import health_user_id
    from sandbox.push import notification as demo_notification
    from sandbox.push import private_key, sign

    application = get_application_model().objects.get(client_id="tendon-demo")
    now = timezone.now()
    people = []
    for i in range(samples):
        person = get_user_model().objects.create(email=f"walker{i}@example.com", password="!")
        access = AccessToken.objects.create(
            user=person,
            application=application,
            token=f"bench-access-{i}",
            expires=now + timedelta(hours=2),
            scope=ACTIVITY,
        )
        RefreshToken.objects.create(
            user=person, application=application, token=f"bench-refresh-{i}", access_token=access
        )
        credential = Credential.objects.create(
            user=person,
            provider="demo",
            account_uid=health_user_id(person),
            access_token=access.token,
            refresh_token=f"bench-refresh-{i}",
            expires_at=access.expires,
            scopes=[ACTIVITY],
            last_refreshed_at=now,
        )
        Connection.objects.create(
            user=person,
            provider="demo",
            feed="activities",
            account_uid=credential.account_uid,
            credential=credential,
            cursor=now,
            next_run_at=now + timedelta(hours=1),
        )
        people.append(person)
    key = private_key()
    url = f"http://127.0.0.1:{port}/webhooks/demo/"
    from connections.providers.demo.webhook import demo_authorization

    waits = []
    for person in people:
        point = changes.add_workout(person)
        start, end = changes.data_point_interval(point)
        body = demo_notification(
            uid=health_user_id(person),
            data_type="exercise",
            operation="UPSERT",
            start=start,
            end=end,
        )
        began = time.perf_counter()
        answer = requests.post(
            url,
            data=body,
            timeout=30,
            headers={
                "Content-Type": "application/json",
                "Authorization": demo_authorization(),
                "GOOGLE-HEALTH-API-SIGNATURE": sign(body, key),
            },
        )
        assert answer.status_code == 204, answer.status_code
        while not Activity.objects.filter(key=point["name"]).exists():
            if time.perf_counter() - began > 60:
                raise RuntimeError("a workout did not arrive in 60 s; see /tmp/bench-qcluster.log")
            time.sleep(0.01)
        waits.append(time.perf_counter() - began)
    p50, p95 = percentiles(waits)
    print(
        f"  notification to My data ({samples} workouts, one at a time): "
        f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", default=None, help="a redis:// URL for the broker and cache")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()

    from cryptography.hazmat.primitives.asymmetric import ec

    url = throwaway_database("postgres")
    port = free_port()
    bench_key = ec.generate_private_key(ec.SECP256R1())
    keyset: dict = {}
    env = environment(url, port, serve_json(keyset), args.redis)
    os.environ.update(env)
    django_on(url)
    from sandbox.push import tink_keyset

    keyset.update(tink_keyset(bench_key.public_key()))
    from django.core.management import call_command

    call_command("seed_demo", base_urls=[env["SITE_URL"]], stdout=open(os.devnull, "w"))  # noqa: SIM115
    uids = fill_google_accounts(args.accounts)
    broker = "Redis" if args.redis else "ORM broker"
    print(f"PostgreSQL, {broker}, gunicorn 2 workers, {args.accounts} connected Google accounts:")
    web = start_process(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
        env,
        "/tmp/bench-gunicorn.log",
    )
    worker = None
    try:
        wait_up(port)
        door(port, bench_key, uids, args.seconds, args.threads)
        queries_pernotification(bench_key, uids)
        from django_q.brokers import get_broker

        get_broker().purge_queue()
        worker = start_process(
            [sys.executable, "manage.py", "qcluster"], env, "/tmp/bench-qcluster.log"
        )
        time.sleep(3)  # the cluster's start-up
        latency(port, args.samples)
    finally:
        for process in (worker, web):
            if process is not None:
                stop_process(process)
        drop_postgres(url)


if __name__ == "__main__":
    main()
