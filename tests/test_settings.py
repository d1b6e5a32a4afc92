"""Settings from the environment: production refuses to start without its secrets."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "tendon.example.org",
}


def _run(arguments: list[str], **env: str) -> subprocess.CompletedProcess:
    """Python with arguments, in a clean environment plus env (settings are read at start-up)."""
    environment = {
        k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "CONN_MAX_AGE"
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return _run(["manage.py", *args], **env)


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    return _run(["-c", code], **env)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = _manage("check", **env)

    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG=0" in result.stderr


def test_production_has_no_demo_provider():
    code = (
        "import django; django.setup(); from django.urls import resolve, Resolver404\n"
        "from connections.providers import PROVIDERS\n"
        "try:\n    resolve('/sandbox/'); print('sandbox found')\n"
        "except Resolver404:\n    print('no sandbox', sorted(PROVIDERS))\n"
    )
    result = _python(code, **PRODUCTION)

    assert result.stdout.strip() == (
        "no sandbox ['google_health', 'oura', 'polar', 'strava', 'whoop', 'withings']"
    ), result.stderr


def test_a_malformed_token_key_refuses_to_start_without_echoing_it():
    result = _manage("check", **{**PRODUCTION, "TOKEN_ENCRYPTION_KEYS": "not-a-secret-key"})

    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS: key 1 of 1 is not a Fernet key" in result.stderr
    assert "not-a-secret-key" not in result.stderr


def test_production_refuses_an_allowed_hosts_that_names_no_host():
    result = _manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": ","})

    assert result.returncode != 0
    assert "ALLOWED_HOSTS names no host" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _manage("check", **{**PRODUCTION, "SECRET_KEY": "x"})

    assert result.returncode != 0
    assert "SECRET_KEY is too short" in result.stderr


def test_production_refuses_to_serve_the_demo_provider():
    result = _manage("check", **{**PRODUCTION, "SANDBOX_ENABLED": "1"})

    assert result.returncode != 0
    assert "SANDBOX_ENABLED=1 with DEBUG=0" in result.stderr
    assert "SANDBOX_ALLOW_IN_PRODUCTION=1" in result.stderr


def test_the_demo_provider_in_production_needs_both_settings():
    env = {**PRODUCTION, "SANDBOX_ENABLED": "1", "SANDBOX_ALLOW_IN_PRODUCTION": "1"}

    result = _manage("check", **env)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("method", ["optional", "none"])
def test_production_refuses_to_let_unconfirmed_addresses_in(method):
    result = _manage("check", **{**PRODUCTION, "ACCOUNT_EMAIL_VERIFICATION": method})

    assert result.returncode != 0
    assert f"ACCOUNT_EMAIL_VERIFICATION={method} with DEBUG=0" in result.stderr


def test_development_may_let_unconfirmed_addresses_in():
    result = _manage("check", DEBUG="1", ACCOUNT_EMAIL_VERIFICATION="optional")

    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_checks():
    result = _manage("check", **PRODUCTION)

    assert result.returncode == 0, result.stderr


def test_production_passes_the_deployment_checks():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_serves_static_files_with_whitenoise(tmp_path):
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "static")}
    collected = _manage("collectstatic", "--noinput", **env)
    assert collected.returncode == 0, collected.stderr
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "from django.templatetags.static import static\n"
        "r = Client().get(static('css/tendon.css'), secure=True, HTTP_HOST='tendon.example.org')\n"
        "print(r.status_code, r.headers.get('Cache-Control'))\n"
    )
    result = _python(code, **env)

    assert result.stdout.split()[0] == "200", result.stderr
    assert "max-age" in result.stdout


def test_without_redis_a_workers_heartbeat_reaches_the_web_process():
    key = f"Q_STAT:tendon-probe-{secrets.token_hex(4)}"
    no_redis = {"DEBUG": "1", "Q_BROKER_URL": "", "CACHE_URL": ""}
    worker = _python(
        "import django; django.setup(); from django_q.brokers import get_broker\n"
        f"get_broker().set_stat({key!r}, 'alive', 60)\n",
        **no_redis,
    )
    assert worker.returncode == 0, worker.stderr

    # The key itself, not django-q2's list of keys: a worker of another test writing its own
    # heartbeat at the same moment can drop ours from that list (it reads, appends and writes).
    web = _python(
        "import django; django.setup(); from django_q.brokers import get_broker\n"
        f"print(get_broker().cache.get({key!r}))\n",
        **no_redis,
    )

    assert "alive" in web.stdout, web.stderr


# Oura and WHOOP (issue 11): their settings, their defaults, and "unset: not offered".

RING_AND_STRAP = (
    "import json, django; django.setup(); from django.conf import settings\n"
    "print(json.dumps({p: {**settings.PROVIDER_ENDPOINTS[p],\n"
    "    'apps': settings.SOCIALACCOUNT_PROVIDERS[p]['APPS']} for p in ('oura', 'whoop')}\n"
    "    | {'verification': settings.OURA_WEBHOOK_VERIFICATION_TOKEN}))\n"
)


def _ring_and_strap(monkeypatch, **env: str) -> dict:
    for name in list(os.environ):
        if name.startswith(("OURA_", "WHOOP_")):
            monkeypatch.delenv(name)
    result = _python(RING_AND_STRAP, DEBUG="1", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_oura_and_whoop_default_to_their_real_endpoints(monkeypatch):
    found = _ring_and_strap(monkeypatch)

    assert found["oura"] == {
        "authorize_url": "https://cloud.ouraring.com/oauth/authorize",
        "token_url": "https://api.ouraring.com/oauth/token",
        "revoke_url": "https://api.ouraring.com/oauth/revoke",
        "api_url": "https://api.ouraring.com",
        "apps": [],
    }
    assert found["whoop"] == {
        "authorize_url": "https://api.prod.whoop.com/oauth/oauth2/auth",
        "token_url": "https://api.prod.whoop.com/oauth/oauth2/token",
        "api_url": "https://api.prod.whoop.com/developer",
        "revoke_url": "https://api.prod.whoop.com/developer/v2/user/access",
        "apps": [],
    }
    assert found["verification"] == ""  # push from Oura is off until it is set


def test_oura_and_whoop_endpoints_follow_the_environment(monkeypatch):
    found = _ring_and_strap(
        monkeypatch,
        OURA_AUTHORIZE_URL="https://oura.test/authorize",
        OURA_TOKEN_URL="https://oura.test/token",
        OURA_REVOKE_URL="https://oura.test/revoke",
        OURA_API_URL="https://oura.test",
        OURA_WEBHOOK_VERIFICATION_TOKEN="chosen-token",
        WHOOP_AUTHORIZE_URL="https://whoop.test/auth",
        WHOOP_TOKEN_URL="https://whoop.test/token",
        WHOOP_API_URL="https://whoop.test/developer",
    )

    assert [found["oura"][k] for k in ("authorize_url", "token_url", "revoke_url", "api_url")] == [
        "https://oura.test/authorize",
        "https://oura.test/token",
        "https://oura.test/revoke",
        "https://oura.test",
    ]
    assert found["verification"] == "chosen-token"
    assert [found["whoop"][k] for k in ("authorize_url", "token_url", "api_url")] == [
        "https://whoop.test/auth",
        "https://whoop.test/token",
        "https://whoop.test/developer",
    ]
    assert found["whoop"]["revoke_url"] == "https://whoop.test/developer/v2/user/access"


def test_oura_and_whoop_are_offered_once_their_client_id_is_set(monkeypatch):
    found = _ring_and_strap(
        monkeypatch,
        OURA_CLIENT_ID="ring",
        OURA_CLIENT_SECRET="ring-secret",
        WHOOP_CLIENT_ID="strap",
        WHOOP_CLIENT_SECRET="strap-secret",
    )

    assert found["oura"]["apps"] == [{"client_id": "ring", "secret": "ring-secret"}]
    assert found["whoop"]["apps"] == [{"client_id": "strap", "secret": "strap-secret"}]


@pytest.mark.parametrize(
    ("database", "concurrency", "expected"),
    [
        ("sqlite:////tmp/tendon-settings-probe.sqlite3", None, 1),  # one writer at a time
        ("postgres://postgres@127.0.0.1:5432/tendon", None, 8),
        ("postgres://postgres@127.0.0.1:5432/tendon", "3", 3),
        ("postgres://postgres@127.0.0.1:5432/tendon", "0", 1),  # never none at all
    ],
)
def test_import_concurrency_defaults_to_one_on_sqlite_and_eight_on_postgresql(
    monkeypatch, database, concurrency, expected
):
    monkeypatch.delenv("IMPORT_CONCURRENCY", raising=False)
    env = {"DEBUG": "1", "DATABASE_URL": database}
    if concurrency is not None:
        env["IMPORT_CONCURRENCY"] = concurrency
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.IMPORT_CONCURRENCY)"

    result = _python(code, **env)

    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == expected
