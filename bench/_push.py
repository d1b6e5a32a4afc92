"""Helpers for bench/webhook_ingest.py: processes, a local keyset server, bulk accounts."""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from _setup import ROOT

AUTHORIZATION = "Bearer bench-subscriber-secret"
ACTIVITY = "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_json(document: dict) -> str:
    """Serves document (filled in later) as JSON on a local port; returns its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/keyset.json"


def environment(url: str, port: int, keyset_url: str, redis: str | None) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + os.urandom(32).hex(),
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SANDBOX_ENABLED": "1",
        "SANDBOX_ALLOW_IN_PRODUCTION": "1",  # the demo plays the provider here
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DEMO_BASE_URL": f"http://127.0.0.1:{port}",
        "GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION": AUTHORIZATION,
        "GOOGLE_HEALTH_WEBHOOK_KEYSET_URL": keyset_url,
        "CACHE_URL": f"filecache://{tempfile.mkdtemp(prefix='tendon-bench-cache-')}",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
    }
    if redis:
        env["Q_BROKER_URL"] = redis
        env["CACHE_URL"] = redis
    return env


def start_process(args: list[str], env: dict[str, str], log: str, cwd=ROOT) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own processes
        args,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=open(log, "ab"),  # noqa: SIM115
        start_new_session=True,
    )


def stop_process(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_up(port: int) -> None:
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/webhooks/withings/", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up; see /tmp/bench-gunicorn.log")


def fill_google_accounts(count: int) -> list[str]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from connections.models import Connection, Credential

    now = timezone.now()
    users = get_user_model().objects.bulk_create(
        [get_user_model()(email=f"push{i}@example.com", password="!") for i in range(count)]
    )
    credentials = Credential.objects.bulk_create(
        [
            Credential(
                user=u,
                provider="google_health",
                account_uid=f"gh{u.pk}",
                access_token="a",
                refresh_token="r",
                scopes=[ACTIVITY],
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
                provider="google_health",
                feed="activities",
                account_uid=c.account_uid,
                credential=c,
                cursor=now,
                next_run_at=now + timedelta(hours=1),
            )
            for c in credentials
        ]
    )
    return [c.account_uid for c in credentials]


def notification(uid: str, data_type: str = "exercise") -> bytes:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json.dumps(
        {
            "data": {
                "healthUserId": uid,
                "operation": "UPSERT",
                "dataType": data_type,
                "intervals": [{"physicalTimeInterval": {"startTime": stamp, "endTime": stamp}}],
            }
        }
    ).encode()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]
