"""System checks that keep django-q2's guarantees and the token keys sound."""

from __future__ import annotations

import pytest

from connections.checks import task_queue_keeps_its_guarantees, token_keys_are_fernet_keys

GOOD = {
    "name": "t",
    "orm": "default",
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "save_limit": -1,
}


def _ids(errors) -> list[str]:
    return [e.id for e in errors]


def test_project_settings_pass(settings, monkeypatch):
    # The test run itself uses CONN_MAX_AGE=0 (see pyproject.toml); the default is 60.
    monkeypatch.setitem(settings.DATABASES["default"], "CONN_MAX_AGE", 60)

    assert task_queue_keeps_its_guarantees(None) == []
    assert token_keys_are_fernet_keys(None) == []


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"retry": 300}, "connections.E002"),
        ({"timeout": None}, "connections.E002"),
        ({"max_attempts": 0}, "connections.E003"),
        ({"save_limit": 250}, "connections.E004"),
    ],
    ids=["retry_not_above_timeout", "no_timeout", "endless_attempts", "locking_save_limit"],
)
def test_unsafe_queue_settings_fail_the_check(settings, change, error):
    settings.Q_CLUSTER = {**GOOD, **change}

    assert error in _ids(task_queue_keeps_its_guarantees(None))


def test_worker_without_persistent_connections_fails_the_check(settings, monkeypatch):
    settings.Q_CLUSTER = GOOD
    monkeypatch.setitem(settings.DATABASES["default"], "CONN_MAX_AGE", 0)

    assert "connections.E005" in _ids(task_queue_keeps_its_guarantees(None))


def test_malformed_token_key_fails_the_check(settings):
    settings.TOKEN_ENCRYPTION_KEYS = ["not-a-fernet-key"]

    assert _ids(token_keys_are_fernet_keys(None)) == ["connections.E001"]


def test_a_q_timeout_too_short_for_two_provider_requests_fails_the_check_naming_the_minimum(
    settings,
):
    # One request may take 35 s (5 to connect, 30 to read); a task keeps room for two of them,
    # a 10 s margin, and at least 10 s of work: anything shorter is killed mid-request.
    settings.Q_CLUSTER = {**GOOD, "timeout": 89, "retry": 149}

    errors = [e for e in task_queue_keeps_its_guarantees(None) if e.id == "connections.E009"]

    assert [e.msg for e in errors] == [
        "Q_TIMEOUT is 89 seconds; it must be at least 90: a task keeps two provider requests' "
        "worth of HTTP timeout (2 × 35 s) and a 10 s margin after its last 10 s of work, or "
        "django-q2 kills it mid-request."
    ]


def test_the_shortest_q_timeout_that_fits_passes_the_check(settings):
    settings.Q_CLUSTER = {**GOOD, "timeout": 90, "retry": 150}

    assert "connections.E009" not in _ids(task_queue_keeps_its_guarantees(None))
