"""End to end: a live server (the portal and the demo provider), a real `qcluster` worker
process on the configured broker, and a person driving the pages over HTTP."""

from __future__ import annotations

import contextlib
import html
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command

from connections.models import ImportRun
from tests.conftest import GOOGLE, PASSWORD, WITHINGS

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = django_settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A `manage.py qcluster` process group on the test database."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.process = env, log, None

    def start(self) -> Worker:
        self.process = subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crashed machine would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop gracefully, then make sure no child of the group is left holding a connection."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def live_demo(live_server, settings):
    """The demo provider served by the live server, registered with its address."""
    settings.PROVIDER_ENDPOINTS = {
        "google_health": GOOGLE,
        "withings": WITHINGS,
        "demo": {
            "authorize_url": f"{live_server.url}/sandbox/o/authorize/",
            "token_url": f"{live_server.url}/sandbox/o/token/",
            "revoke_url": f"{live_server.url}/sandbox/o/revoke_token/",
            "api_url": f"{live_server.url}/sandbox/api",
        },
    }
    call_command("seed_demo", base_urls=[live_server.url], stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server.url


@pytest.fixture
def mailbox(tmp_path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


def forget_queued_tasks() -> None:
    """Drops the tasks waiting in the broker (connecting queues a wake-up of the dispatcher):
    for a test that hands out the work itself, at a moment of its choosing."""
    from django_q.brokers import get_broker

    get_broker().purge_queue()


@pytest.fixture
def worker_factory(live_demo, mailbox, tmp_path):
    from django_q.brokers import get_broker

    get_broker().purge_queue()  # nothing left over from an earlier run on a shared Redis
    workers: list[Worker] = []

    def make(**extra: str) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEMO_BASE_URL": live_demo,
            "EMAIL_URL": f"filemail:///{mailbox}",
            "Q_WORKERS": "1",
            "CONN_MAX_AGE": "60",
            "SITE_URL": live_demo,
            **extra,
        }
        worker = Worker(env, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker.start()

    yield make
    for worker in workers:
        worker.stop()


def wait_for_runs(run_ids, *, timeout: float = 90.0) -> list[ImportRun]:
    """The runs, once none of them is queued or running any more."""
    deadline = time.monotonic() + timeout
    open_states = [ImportRun.Outcome.QUEUED, ImportRun.Outcome.RUNNING]
    while time.monotonic() < deadline:
        if not ImportRun.objects.filter(pk__in=run_ids, outcome__in=open_states).exists():
            return list(ImportRun.objects.filter(pk__in=run_ids))
        time.sleep(0.25)
    raise AssertionError(f"runs {run_ids} still open after {timeout} s")


class Person:
    """Someone using the portal (and the demo provider's pages) over real HTTP."""

    def __init__(self, base: str) -> None:
        self.base, self.session = base, requests.Session()

    def _csrf(self, text: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path if path.startswith("/") else path, timeout=30)

    def submit(self, page_path: str, data: dict, *, action: str | None = None):
        """GET a page, then POST data to action (default: the page) with its CSRF token."""
        page = self.get(page_path)
        target = action or page.url
        target = self.base + target if target.startswith("/") else target
        return self.session.post(
            target,
            data={**data, "csrfmiddlewaretoken": self._csrf(page.text)},
            headers={"Referer": page.url},
            timeout=60,
        )

    def text(self, path: str) -> str:
        page = self.get(path).text
        return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))

    def log_in(self, email: str) -> None:
        response = self.submit("/accounts/login/", {"login": email, "password": PASSWORD})
        assert response.url.endswith("/connect/"), response.url

    def enable_demo(self, feeds, *, as_email: str, granted=None) -> requests.Response:
        """Enable, sign in at the demo provider (if asked), consent, come back."""
        start = self.submit("/connect/demo/enable/", {"feeds": list(feeds)})
        if "/sandbox/login/" in start.url:
            start = self.session.post(
                start.url,
                data={
                    "email": as_email,
                    "password": PASSWORD,
                    "next": re.search(r'name="next" value="([^"]+)"', start.text)
                    .group(1)
                    .replace("&amp;", "&"),
                    "csrfmiddlewaretoken": self._csrf(start.text),
                },
                headers={"Referer": start.url},
                timeout=30,
            )
        hidden = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', start.text)
        )
        hidden = {k: html.unescape(v) for k, v in hidden.items() if k != "csrfmiddlewaretoken"}
        offered = [
            html.unescape(v) for v in re.findall(r'name="granted" value="([^"]+)"', start.text)
        ]
        return self.session.post(
            start.url,
            data={
                **hidden,
                "granted": offered if granted is None else granted,
                "allow": "Authorize",
                "csrfmiddlewaretoken": self._csrf(start.text),
            },
            headers={"Referer": start.url},
            timeout=60,
        )

    def post(self, path: str) -> requests.Response:
        """POST a button on the connect page (CSRF token from it)."""
        return self.submit("/connect/", {}, action=path)


@pytest.fixture
def person(live_demo):
    return Person(live_demo)
