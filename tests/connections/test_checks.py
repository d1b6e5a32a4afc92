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
