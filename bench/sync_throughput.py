"""Sync throughput: steady-state scheduled syncs through real `qcluster` workers, on PostgreSQL,
against a provider double that answers after a set latency. Run by hand:

    .venv/bin/python bench/sync_throughput.py --latency 0 100 300             # ORM broker
    .venv/bin/python bench/sync_throughput.py --redis redis://127.0.0.1:6379/13
    .venv/bin/python bench/sync_throughput.py --checkout ../wt-perf-before    # another checkout

N demo connections (Activities feed) are due at once, each with a valid access token and a
cursor an hour old: a steady-state sync, one page with two new workouts. The provider double is
an HTTP/1.1 server on 127.0.0.1 in this process (the demo provider's Google Health v4 shapes; it
counts every request and sleeps `--latency` ms before each answer). One `qcluster` with
`--workers` worker processes runs the imports; a dispatcher process runs the checkout's
`imports_dispatch_due()` every `--dispatch-every` seconds (1 s by default: sixty times as often
as the schedule, so the figure is the workers', not the schedule's cadence; a checkout whose
workers only run what is dispatched can sync no more than its provider cap, 20, a second, which
bounds "before" at 0 ms and not at 100 or 300 ms, where its two workers stay under it). Both run
the code in `--checkout` (default: this one), so "before" is the same script pointed at an older
checkout.

Prints, per latency: connections synced per second (first dispatch to last run finished),
provider requests per sync (token requests among them), database statements per sync (one
probe of 20 syncs at 0 ms, the dispatch included, every thread counted), CPU seconds per sync
(the qcluster process group and the dispatcher) and the resident memory of the worker processes
(the qcluster group, summed, at the end of the run).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _push import environment, start_process, stop_process  # noqa: E402
from _setup import ROOT, django_on, drop_postgres, throwaway_database  # noqa: E402

SCOPE = "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly"
PROBE_SYNCS = 20


class ProviderDouble:
    """The demo provider's data API and token endpoint, slow on purpose, counting requests."""

    def __init__(self, latency_ms: int) -> None:
        self.latency = latency_ms / 1000
        self.counts = {"data": 0, "token": 0, "other": 0}
        self.lock = threading.Lock()
        self.serial = itertools.count()
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as every real provider offers

            def _answer(self, kind: str, body: dict, status: int = 200) -> None:
                with double.lock:
                    double.counts[kind] += 1
                if double.latency:
                    time.sleep(double.latency)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):  # noqa: N802 - http.server's name
                if "/dataPoints" in self.path:
                    return self._answer("data", {"dataPoints": double.workouts()})
                return self._answer("other", {}, 404)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if self.path.endswith("/o/token/"):
                    return self._answer(
                        "token",
                        {"access_token": "fresh", "refresh_token": "r2", "expires_in": 3600},
                    )
                return self._answer("other", {}, 404)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def workouts(self) -> list[dict]:
        from sandbox.data import exercise_point

        end = datetime.now(UTC) - timedelta(minutes=30)
        points = []
        for _ in range(2):
            n = next(self.serial)
            start = end - timedelta(minutes=40 + n % 20)
            points.append(
                exercise_point(
                    name=f"users/bench/dataTypes/exercise/dataPoints/bench-{n}",
                    kind="RUNNING",
                    label="Run",
                    start=start,
                    end=end,
                )
            )
        return points

    def reset(self) -> None:
        with self.lock:
            self.counts = dict.fromkeys(self.counts, 0)

    def stop(self) -> None:
        self.server.shutdown()


def fill(count: int) -> None:
    """count people, each with a demo grant (valid token) and a due Activities connection."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from connections.models import Connection, Credential

    now = timezone.now()
    people = get_user_model().objects.bulk_create(
        [get_user_model()(email=f"sync{i}@example.com", password="!") for i in range(count)]
    )
    credentials = Credential.objects.bulk_create(
        [
            Credential(
                user=p,
                provider="demo",
                account_uid=f"demo-{p.pk}",
                account_label=p.email,
                access_token=f"access-{p.pk}",
                refresh_token=f"refresh-{p.pk}",
                expires_at=now + timedelta(hours=6),
                last_refreshed_at=now,
                scopes=[SCOPE],
            )
            for p in people
        ]
    )
    Connection.objects.bulk_create(
        [
            Connection(
                user_id=c.user_id,
                provider="demo",
                feed="activities",
                account_uid=c.account_uid,
                credential=c,
                cursor=now - timedelta(hours=1),
                last_success_at=now - timedelta(hours=1),
                next_run_at=now + timedelta(days=1),
            )
            for c in credentials
        ]
    )


def analyze() -> None:
    """The planner's statistics for the filled tables, as autovacuum keeps them on a database in
    use: without them PostgreSQL reads the due connections through every credential (over
    100 ms a claim at 4,000 connections instead of well under one)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def make_due(limit: int | None = None) -> list[int]:
    """Makes (some of) the connections due now, unclaimed, as after an interval; their ids."""
    from django.utils import timezone

    from connections.models import Connection

    ids = list(Connection.objects.order_by("pk").values_list("pk", flat=True)[:limit])
    Connection.objects.filter(pk__in=ids).update(
        next_run_at=timezone.now() - timedelta(seconds=1), claimed_until=None, claim_token=None
    )
    return ids


# Runs in the checkout under test: claims the due connections and runs the tasks the dispatch
# enqueued, here, counting every statement on every thread's connection.
PROBE = """
import django, itertools, threading
django.setup()
from django.db.backends.signals import connection_created
from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
counter, lock = [0], threading.Lock()
def count(execute, sql, params, many, context):
    with lock:
        counter[0] += 1
    return execute(sql, params, many, context)
def wrap(sender, connection, **kwargs):
    connection.execute_wrappers.append(count)
connection_created.connect(wrap)
from django.db import connections
connections.close_all()
from connections.services.scheduling import imports_dispatch_due
broker = get_broker()
broker.purge_queue()
claimed = len(imports_dispatch_due())
while broker.queue_size():
    for ack_id, payload in broker.dequeue() or []:
        task = SignedPackage.loads(payload)
        import_string(task["func"])(*task["args"], **task["kwargs"])
        broker.acknowledge(ack_id)
print(claimed, counter[0])
"""

DISPATCHER = """
import django, sys, time
django.setup()
from connections.services.scheduling import imports_dispatch_due
while True:
    imports_dispatch_due()
    time.sleep(float(sys.argv[1]))
"""


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def group(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid:  # pgrp
            pids.append(int(entry.name))
    return pids


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def finished(ids: list[int], since) -> int:
    from connections.models import ImportRun

    return ImportRun.objects.filter(
        connection_id__in=ids, queued_at__gte=since, finished_at__isnull=False
    ).count()


def one_latency(args, env: dict[str, str], checkout: Path, latency: int, queries: float) -> dict:
    from django.db.models import Count, Max
    from django.utils import timezone

    from connections.models import ImportRun

    double = ProviderDouble(latency)
    run_env = {**env, "DEMO_BASE_URL": double.base_url}
    from django_q.brokers import get_broker

    get_broker().purge_queue()
    worker = start_process(
        [sys.executable, "manage.py", "qcluster"],
        run_env,
        "/tmp/bench-sync-qcluster.log",
        cwd=checkout,
    )
    time.sleep(4)  # the cluster's start-up
    pids = group(worker.pid)
    cpu_before = cpu_seconds(pids)
    since = timezone.now()
    ids = make_due()
    double.reset()
    began = timezone.now()
    dispatcher = start_process(
        [sys.executable, "-c", DISPATCHER, str(args.dispatch_every)],
        run_env,
        "/tmp/bench-sync-dispatcher.log",
        cwd=checkout,
    )
    try:
        deadline = time.monotonic() + args.max_seconds
        while finished(ids, since) < len(ids):
            if time.monotonic() > deadline:
                raise RuntimeError("syncs did not finish in time; see /tmp/bench-sync-*.log")
            if worker.poll() is not None:
                raise RuntimeError("the qcluster exited; see /tmp/bench-sync-qcluster.log")
            time.sleep(0.5)  # a light look: the runs' own times give the figure
        last = ImportRun.objects.filter(connection_id__in=ids, queued_at__gte=since).aggregate(
            last=Max("finished_at")
        )["last"]
        elapsed = (last - began).total_seconds()
        pids = group(worker.pid)
        cpu = cpu_seconds(pids) - cpu_before + cpu_seconds([dispatcher.pid])
        rss = rss_mb(pids)
    finally:
        stop_process(dispatcher)
        stop_process(worker)
        double.stop()
    outcomes = dict(
        ImportRun.objects.filter(connection_id__in=ids, queued_at__gte=since)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    import statistics

    spans = list(
        ImportRun.objects.filter(connection_id__in=ids, queued_at__gte=since).values_list(
            "queued_at", "started_at", "finished_at"
        )
    )
    waits = [(started - queued).total_seconds() for queued, started, _f in spans if started]
    runs = [(finished - started).total_seconds() for _q, started, finished in spans if started]
    n = len(ids)
    return {
        "wait": statistics.median(waits),
        "run": statistics.median(runs),
        "latency": latency,
        "syncs_per_s": n / elapsed,
        "requests": sum(double.counts.values()) / n,
        "token_requests": double.counts["token"] / n,
        "queries": queries,
        "cpu": cpu / n,
        "rss": rss,
        "outcomes": outcomes,
        "seconds": elapsed,
    }


def probe_queries(env: dict[str, str], checkout: Path) -> float:
    import subprocess

    double = ProviderDouble(0)
    probe_env = {**os.environ, **env, "DEMO_BASE_URL": double.base_url}
    try:
        make_due(PROBE_SYNCS)
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-c", PROBE],
            cwd=checkout,
            env=probe_env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    finally:
        double.stop()
    claimed, statements = int(out[-2]), int(out[-1])
    return statements / claimed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", default=None, help="a redis:// URL for the broker and cache")
    parser.add_argument("--checkout", default=str(ROOT), help="the Tendon checkout to measure")
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (Q_WORKERS)")
    parser.add_argument("--concurrency", default=None, help="IMPORT_CONCURRENCY for the workers")
    parser.add_argument("--latency", type=int, nargs="+", default=[0, 100, 300])
    parser.add_argument("--max-seconds", type=float, default=240)
    parser.add_argument(
        "--dispatch-every", type=float, default=1.0, help="seconds between dispatches"
    )
    args = parser.parse_args()
    checkout = Path(args.checkout).resolve()

    url = throwaway_database("postgres", prefix="bench_perf")
    env = environment(url, 8000, "http://127.0.0.1:9/unused", args.redis)
    env.update(
        {
            "SANDBOX_ALLOW_IN_PRODUCTION": "1",
            "SECRET_KEY": "bench-sync-" + os.urandom(32).hex(),
            "Q_WORKERS": str(args.workers),
            "IMPORT_INTERVAL_MINUTES": "60",
            "Q_LOG_LEVEL": "ERROR",
        }
    )
    if args.concurrency:
        env["IMPORT_CONCURRENCY"] = args.concurrency
    os.environ.update(env)
    try:
        django_on(url)
        from django.core.management import call_command

        call_command("seed_demo", base_urls=["http://127.0.0.1:8000"], stdout=open(os.devnull, "w"))  # noqa: SIM115
        fill(args.connections)
        analyze()
        queries = probe_queries(env, checkout)
        broker = "Redis" if args.redis else "ORM broker"
        concurrency = f", IMPORT_CONCURRENCY={args.concurrency}" if args.concurrency else ""
        print(
            f"{checkout.name}: PostgreSQL, {broker}, N={args.connections} connections, "
            f"M={args.workers} worker processes{concurrency}"
        )
        print(
            "  latency  syncs/s  requests/sync (token)  statements/sync  CPU s/sync  "
            "worker RSS MB  median wait/run s  outcomes"
        )
        for latency in args.latency:
            r = one_latency(args, env, checkout, latency, queries)
            print(
                f"  {r['latency']:4d} ms  {r['syncs_per_s']:7.1f}  {r['requests']:8.2f} "
                f"({r['token_requests']:.2f})       {r['queries']:10.1f}     {r['cpu']:8.4f}  "
                f"{r['rss']:12.0f}  {r['wait']:6.2f}/{r['run']:.2f}  {r['outcomes']}",
                flush=True,
            )
    finally:
        drop_postgres(url)


if __name__ == "__main__":
    main()
