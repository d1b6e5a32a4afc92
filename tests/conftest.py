"""Shared fixtures: users, OAuth apps, and HTTP to providers (mocked with `responses`, or routed
in-process to the real demo provider so the whole OAuth dance runs through its real code).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from allauth.socialaccount.models import SocialApp
from django.core.management import call_command
from django.test import Client

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery staple"
DEMO_BASE = "http://testserver"
GOOGLE = {
    "authorize_url": "https://accounts.google.test/o/oauth2/v2/auth",
    "token_url": "https://oauth2.google.test/token",
    "revoke_url": "https://oauth2.google.test/revoke",
    "api_url": "https://health.google.test",
}
WITHINGS = {
    "authorize_url": "https://account.withings.test/oauth2_user/authorize2",
    "token_url": "https://wbsapi.withings.test/v2/oauth2",
    "revoke_url": "https://wbsapi.withings.test/v2/oauth2",
    "api_url": "https://wbsapi.withings.test",
}
OURA = {
    "authorize_url": "https://cloud.ouraring.test/oauth/authorize",
    "token_url": "https://api.ouraring.test/oauth/token",
    "revoke_url": "https://api.ouraring.test/oauth/revoke",
    "api_url": "https://api.ouraring.test",
}
WHOOP = {
    "authorize_url": "https://api.prod.whoop.test/oauth/oauth2/auth",
    "token_url": "https://api.prod.whoop.test/oauth/oauth2/token",
    "revoke_url": "https://api.prod.whoop.test/developer/v2/user/access",
    "api_url": "https://api.prod.whoop.test/developer",
}
POLAR = {
    "authorize_url": "https://flow.polar.test/oauth2/authorization",
    "token_url": "https://polarremote.test/v2/oauth2/token",
    "revoke_url": "",
    "api_url": "https://www.polaraccesslink.test",
}
STRAVA = {
    "authorize_url": "https://www.strava.test/oauth/authorize",
    "token_url": "https://www.strava.test/oauth/token",
    "revoke_url": "https://www.strava.test/oauth/deauthorize",
    "api_url": "https://www.strava.test/api",
}


def fixture_json(provider: str, name: str) -> dict:
    return json.loads((FIXTURES / provider / f"{name}.json").read_text())


@pytest.fixture(autouse=True)
def provider_endpoints(settings):
    settings.PROVIDER_ENDPOINTS = {
        "google_health": GOOGLE,
        "withings": WITHINGS,
        "oura": OURA,
        "whoop": WHOOP,
        "polar": POLAR,
        "strava": STRAVA,
        "demo": {
            "authorize_url": f"{DEMO_BASE}/sandbox/o/authorize/",
            "token_url": f"{DEMO_BASE}/sandbox/o/token/",
            "revoke_url": f"{DEMO_BASE}/sandbox/o/revoke_token/",
            "api_url": f"{DEMO_BASE}/sandbox/api",
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test starts with an empty cache (allauth's rate limits live there), Redis or not.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()  # LocMemCache keeps its data per process, across settings changes


@pytest.fixture
def user_factory(db, django_user_model):
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, *, verified: bool = True, **fields):
        """A person who signed up with email and (unless verified=False) confirmed it."""
        from allauth.account.models import EmailAddress

        email = email or f"person{next(counter)}@example.com"
        person = django_user_model.objects.create_user(email=email, password=PASSWORD, **fields)
        EmailAddress.objects.create(user=person, email=email, primary=True, verified=verified)
        return person

    return make


@pytest.fixture
def user(user_factory):
    return user_factory("alice@example.com")


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def google_app(db):
    return SocialApp.objects.create(
        provider="google_health", name="Google", client_id="google-client", secret="google-secret"
    )


@pytest.fixture
def withings_app(db):
    return SocialApp.objects.create(
        provider="withings", name="Withings", client_id="withings-client", secret="withings-secret"
    )


@pytest.fixture
def oura_app(db):
    return SocialApp.objects.create(
        provider="oura", name="Oura", client_id="oura-client", secret="test-oura-client-secret"
    )


@pytest.fixture
def whoop_app(db):
    return SocialApp.objects.create(
        provider="whoop", name="WHOOP", client_id="whoop-client", secret="test-whoop-client-secret"
    )


@pytest.fixture
def demo_app(db):
    call_command("seed_demo", base_urls=[DEMO_BASE], stdout=open("/dev/null", "w"))  # noqa: SIM115
    return SocialApp.objects.get(provider="demo")


@pytest.fixture
def http():
    """Every outgoing request must be mocked; unmatched ones fail the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def serve_from_demo(request):
    """Serve a request to the demo provider with Django's test client (no browser cookies)."""
    parts = urlsplit(request.url)
    headers = {}
    if request.headers.get("Authorization"):
        headers["HTTP_AUTHORIZATION"] = request.headers["Authorization"]
    content_type = request.headers.get("Content-Type", "application/octet-stream")
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    method = request.method.lower()
    answer = (
        getattr(Client(), method)(path, data=body, content_type=content_type, **headers)
        if method in ("post", "put", "patch")
        else Client().get(path, **headers)
    )
    return answer.status_code, {"Content-Type": answer.get("Content-Type", "")}, answer.content


@pytest.fixture
def demo_http(http, demo_app):
    """The demo provider's HTTP served in-process by its real views."""
    pattern = re.compile(re.escape(DEMO_BASE) + r"/sandbox/.*")
    for method in ("GET", "POST"):
        http.add_callback(method, pattern, callback=serve_from_demo)
    return http


@pytest.fixture
def demo_connect(demo_http, user_factory):
    """Run Enable for the demo provider through its real sign-in and consent pages.

    Returns the response to the final callback. `person` signs in to the demo provider.
    """

    def run(client, *, person, feeds=("activities", "sleep"), granted=None, start=None):
        if start is None:
            start = client.post("/connect/demo/enable/", {"feeds": list(feeds)})
        assert start.status_code == 302, start
        authorize_url = start["Location"]
        page = client.get(authorize_url)
        if page.status_code == 302 and "/sandbox/login/" in page["Location"]:
            client.post(
                "/sandbox/login/",
                {"email": person.email, "password": PASSWORD, "next": authorize_url},
            )
            page = client.get(authorize_url)
        assert page.status_code == 200, page
        form = page.context["form"]
        data = {k: v for k, v in form.initial.items() if v is not None and k != "granted"}
        data["granted"] = granted if granted is not None else form.initial["scope"].split()
        data["allow"] = "Authorize"
        consent = client.post(authorize_url, data)
        assert consent.status_code == 302, consent
        callback = consent["Location"]
        assert callback.startswith(f"{DEMO_BASE}/accounts/demo/login/callback/"), callback
        return client.get(callback)

    return run


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def page_text(response) -> str:
    """What the person reads: the HTML with tags stripped and whitespace folded (a <wbr>, a
    place a line may break, is no space)."""
    html = response.content.decode().replace("<wbr>", "")
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text).replace("&#x27;", "'").replace("&amp;", "&")


def element_text(html: str, marker: str) -> str:
    """The text of the element whose opening tag carries marker (an attribute), tags stripped."""
    start = html.index(marker)
    tag = html.rindex("<", 0, start)
    name = re.match(r"<(\w+)", html[tag:]).group(1)
    depth, position = 0, tag
    for match in re.finditer(rf"<(/?){name}\b", html[tag:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            position = html.index(">", tag + match.end()) + 1
            break
    text = re.sub(r"<[^>]+>", " ", html[tag:position].replace("<wbr>", ""))
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def oauth_start():
    """POST the Enable form and return (authorize URL query, state)."""

    def start(client, provider: str, feeds=("activities", "sleep")):
        response = client.post(f"/connect/{provider}/enable/", {"feeds": list(feeds)})
        assert response.status_code == 302, response
        query = query_of(response["Location"])
        return response["Location"], query

    return start


@pytest.fixture
def google_connect(http, google_app, oauth_start):
    """Run Enable against mocked Google endpoints; returns the callback response."""

    def run(client, *, feeds=("activities", "sleep"), token=None, identity=None, status=200):
        _url, query = oauth_start(client, "google_health", feeds)
        http.add(
            "POST",
            GOOGLE["token_url"],
            json=token or fixture_json("google_health", "token"),
            status=status,
        )
        http.add(
            "GET",
            GOOGLE["api_url"] + "/v4/users/me/identity",
            json=identity or fixture_json("google_health", "identity"),
        )
        return client.get(
            "/accounts/google_health/login/callback/",
            {"code": "4/0Ab-sample-code", "state": query["state"]},
        )

    return run


def snapshot() -> dict:
    """Every row a request could change by mistake, field by field (only `updated_at` is left
    out): credentials and their tokens, connections with their schedule, claim and push state
    (next_run_at, claimed_until, last_push_at, reread_*, hint_pending_at), import runs, the
    timeline, revocations, records, scheduled tasks, and who holds which provider account.
    Proves a refused or ignored request changed nothing; the push log (WebhookHint) is each
    test's to check."""
    from allauth.socialaccount.models import SocialAccount
    from django_q.models import Schedule

    from connections import models as connections
    from records import models as records

    watched = [
        connections.Credential,
        connections.Connection,
        connections.ImportRun,
        connections.ConnectionEvent,
        connections.Revocation,
        connections.SetAsideRecord,
        records.Activity,
        records.SleepSession,
        records.BodyMeasurement,
        records.DailySummary,
        records.DailyValue,
        Schedule,
    ]
    rows = {model._meta.label: _rows(model) for model in watched}
    # allauth stamps last_login on the account a refused connect names: bookkeeping, not a change.
    rows["social_accounts"] = list(
        SocialAccount.objects.order_by("pk").values_list("pk", "user_id", "provider", "uid")
    )
    return rows


def _rows(model) -> list[tuple]:
    """Each row of model as a tuple of its concrete fields (but `updated_at`), by pk."""
    fields = [f.attname for f in model._meta.concrete_fields if f.name != "updated_at"]
    return [tuple(row) for row in model.objects.order_by("pk").values_list(*fields)]


@pytest.fixture
def demo_connected(logged_in, user, demo_connect):
    """The user's demo account connected with the given feeds; returns their connections."""
    from connections.models import Connection

    def connect(*feeds: str):
        demo_connect(logged_in, person=user, feeds=list(feeds))
        return {c.feed: c for c in Connection.objects.filter(user=user, enabled=True)}

    return connect


@pytest.fixture
def run_import():
    """Claim the connection and execute its import right here (no worker)."""
    from connections.services.imports import import_run_execute
    from connections.services.scheduling import connection_import_now

    def run(connection):
        return import_run_execute(run=connection_import_now(connection=connection))

    return run


class SteppingClock:
    """A time.monotonic() that moves on `step` seconds each time it is read: slow providers,
    without waiting for them."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def hanging_provider():
    """A provider that accepts connections and never answers (tests/hanging.py)."""
    from tests.hanging import HangingProvider

    provider = HangingProvider()
    yield provider
    provider.close()


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Do what a worker would: run every task waiting in the configured broker (ORM or Redis),
    including the ones those tasks enqueue, and return (function, result) pairs in order."""
    from django.utils.module_loading import import_string
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    broker = get_broker()
    broker.purge_queue()

    def run(limit: int = 100) -> list[tuple[str, object]]:
        done: list[tuple[str, object]] = []
        while broker.queue_size() and len(done) < limit:
            for ack_id, payload in broker.dequeue() or []:
                task = SignedPackage.loads(payload)
                func = (
                    import_string(task["func"]) if isinstance(task["func"], str) else task["func"]
                )
                with django_capture_on_commit_callbacks(execute=True):
                    result = func(*task["args"], **task["kwargs"])
                broker.acknowledge(ack_id)
                done.append((task["func"], result))
        return done

    yield run
    broker.purge_queue()


@pytest.fixture
def webhook_post(django_capture_on_commit_callbacks):
    """POST to a provider's push door as the provider would (no session, no CSRF token)."""

    def post(provider: str, body: bytes, *, content_type="application/json", **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return Client().generic(
                "POST", f"/webhooks/{provider}/", body, content_type=content_type, headers=headers
            )

    return post


def serve_with_headers(request):
    """Serve a request to this very portal in-process, every header forwarded (push doors)."""
    parts = urlsplit(request.url)
    skip = {"host", "content-length", "content-type"}
    headers = {k: v for k, v in request.headers.items() if k.lower() not in skip}
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    answer = Client().generic(
        request.method,
        parts.path,
        body,
        content_type=request.headers.get("Content-Type", "application/octet-stream"),
        headers=headers,
    )
    return answer.status_code, {"Content-Type": answer.get("Content-Type", "")}, answer.content


@pytest.fixture
def demo_push(settings, demo_http):
    """The demo provider's pushes reach /webhooks/demo/ of this portal, in-process."""
    settings.SITE_URL = DEMO_BASE
    demo_http.add_callback(
        "POST", re.compile(re.escape(DEMO_BASE) + r"/webhooks/.*"), callback=serve_with_headers
    )
    return demo_http


@pytest.fixture
def one_set_aside(logged_in):
    """Checks a run that met one record it could not read, as each reader sees it: the rest
    stored, the person's history says "1 record skipped", support sees the record with its
    reason (and its payload kept), and the feed moved on. Returns the set-aside record."""
    from django.contrib.auth import get_user_model

    from connections.models import Connection, ImportRun, SetAsideRecord

    def check(connection, run, *, stored: int, reason: str):
        assert (run.outcome, run.created_count, run.skipped_count) == (
            ImportRun.Outcome.OK,
            stored,
            1,
        )
        assert "1 record skipped" in page_text(logged_in.get(f"/connect/{connection.pk}/"))
        aside = SetAsideRecord.objects.get(connection=connection)
        assert reason in aside.reason and aside.raw_text.startswith("{")
        staff, _ = get_user_model().objects.get_or_create(
            email="support@example.com", defaults={"is_staff": True, "is_superuser": True}
        )
        support = Client()
        support.force_login(staff)
        admin_page = f"/admin/connections/connection/{connection.pk}/change/"
        assert reason in page_text(support.get(admin_page))
        assert Connection.objects.get(pk=connection.pk).cursor is not None
        return aside

    return check
