"""Queue throughput: 2,000 no-op tasks through Tendon's django-q2 configuration and through
django-q2's defaults, on the ORM broker (SQLite by default) or Redis. Run by hand:

    .venv/bin/python bench/queue_throughput.py                 # SQLite, ORM broker
    .venv/bin/python bench/queue_throughput.py --db postgres
    .venv/bin/python bench/queue_throughput.py --db postgres --redis redis://127.0.0.1:6379/14

Prints tasks per second from the moment the worker starts until the queue is empty.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, django_on, drop_postgres, throwaway_database  # noqa: E402

CONFIGS = {"tendon": "config.settings", "django-q2 defaults": "bench.q_defaults_settings"}


def run(settings_module: str, url: str, tasks: int, redis: str | None) -> tuple[float, float]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "LOG_LEVEL": "WARNING",
    }
    if redis:
        env["Q_BROKER_URL"] = redis
    code = (
        "import django; django.setup()\n"
        "from django_q.brokers import get_broker\n"
        "from django_q.tasks import async_task\n"
        "get_broker().purge_queue()\n"
        f"[async_task('bench.tasks.noop', i) for i in range({tasks})]\n"
    )
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)  # noqa: S603
    enqueue = time.perf_counter() - began
    worker = subprocess.Popen(  # noqa: S603
        # --skip-checks: Tendon's own checks rightly refuse django-q2's defaults.
        [sys.executable, "manage.py", "qcluster", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(f"/tmp/bench-worker-{os.getpid()}.log", "ab"),  # noqa: SIM115
        start_new_session=True,
    )
    probe = (
        "import django; django.setup()\n"
        "from django_q.brokers import get_broker\nprint(get_broker().queue_size())\n"
    )
    began = time.perf_counter()
    try:
        while True:
            if worker.poll() is not None:
                raise RuntimeError(
                    f"the worker exited ({worker.returncode}) before the queue drained"
                )
            left = subprocess.run(  # noqa: S603
                [sys.executable, "-c", probe],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            if left == "0":
                break
            time.sleep(0.2)
        drained = time.perf_counter() - began
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    return tasks / enqueue, tasks / drained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--redis", default=None, help="a redis:// URL to use the Redis broker")
    parser.add_argument("--tasks", type=int, default=2000)
    args = parser.parse_args()
    url = throwaway_database(args.db)
    django_on(url)
    broker = "Redis" if args.redis else "ORM broker"
    print(f"{args.tasks} no-op tasks, {args.db}, {broker}:")
    for name, module in CONFIGS.items():
        enqueued, processed = run(module, url, args.tasks, args.redis)
        print(f"  {name:20} enqueue {enqueued:8,.0f} tasks/s   process {processed:8,.0f} tasks/s")
    drop_postgres(url)


if __name__ == "__main__":
    main()
