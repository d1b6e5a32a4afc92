"""Unsigned push cannot spend a provider's allowance: a connection imported moments ago waits
out UNSIGNED_PUSH_GAP_SECONDS, and unsigned hints start only so many imports of a provider,
across every account. Signed push is not held back."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, Credential, ImportRun, WebhookHint
from connections.providers import PROVIDERS
from connections.providers.push import Delivery, Hint
from connections.services.push import push_receive
from tests.conftest import GOOGLE, fixture_json, snapshot
from tests.connections.push.conftest import notification

pytestmark = pytest.mark.django_db
EXERCISE = GOOGLE["api_url"] + "/v4/users/me/dataTypes/exercise/dataPoints"


@pytest.fixture
def account_factory(user_factory):
    """A person's account at a provider, granted what the feed needs, with that one feed."""

    def make(provider: str, uid: str, *, feed: str | None = None) -> Connection:
        spec = PROVIDERS[provider]
        feed = feed or next(iter(spec.feeds))
        owner = user_factory()
        credential = Credential.objects.create(
            user=owner,
            provider=provider,
            account_uid=uid,
            access_token="a",
            refresh_token="r",
            expires_at=timezone.now() + timedelta(hours=1),
            scopes=list(spec.scopes_for([feed])),
        )
        return Connection.objects.create(
            user=owner,
            provider=provider,
            feed=feed,
            account_uid=uid,
            credential=credential,
            next_run_at=timezone.now() + timedelta(minutes=50),
            last_attempt_at=timezone.now() - timedelta(minutes=10),
        )

    return make


@pytest.fixture
def window_start(monkeypatch):
    """The clock a second into a quarter hour (so into a minute too): counters of one window."""
    now = timezone.now
    moment = now()
    start = moment.replace(minute=moment.minute - moment.minute % 15, second=1, microsecond=0)
    shift = start + timedelta(minutes=15) - moment
    monkeypatch.setattr(timezone, "now", lambda: now() + shift)


@pytest.fixture
def strava_event(settings, webhook_post):
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = "STRAVA"
    settings.STRAVA_WEBHOOK_SUBSCRIPTION_ID = "120475"

    def post(athlete: str):
        event = {**fixture_json("strava", "event_activity_create"), "owner_id": int(athlete)}
        return webhook_post("strava", json.dumps(event).encode())

    return post


def _reasons() -> list[str]:
    return list(WebhookHint.objects.order_by("pk").values_list("reason", flat=True))


def test_forged_events_for_many_athletes_start_few_imports_in_a_minute(
    settings, account_factory, strava_event, window_start
):
    settings.UNSIGNED_PUSH_RUNS_PER_MINUTE = 3
    athletes = [str(134815 + n) for n in range(6)]
    for athlete in athletes:
        account_factory("strava", athlete, feed="activities")
    untouched = snapshot()["connections.Connection"][3:]

    answers = [strava_event(athlete).status_code for athlete in athletes]

    assert answers == [200] * 6  # Strava would only send them again
    assert _reasons() == ["queued"] * 3 + ["unsigned_cap"] * 3
    assert ImportRun.objects.count() == 3
    assert snapshot()["connections.Connection"][3:] == untouched  # polling finds the rest
    capped = WebhookHint.objects.filter(reason="unsigned_cap")
    assert set(capped.values_list("outcome", flat=True)) == {"ignored"}


def test_unsigned_events_start_at_most_a_tenth_of_a_declared_allowance(
    settings, account_factory, strava_event, window_start
):
    settings.UNSIGNED_PUSH_RUNS_PER_MINUTE = 1000
    (quarter_hour, _day) = PROVIDERS["strava"].app_call_budgets  # 100 a quarter hour
    athletes = [str(134815 + n) for n in range(quarter_hour.limit // 10 + 3)]
    for athlete in athletes:
        account_factory("strava", athlete, feed="activities")

    for athlete in athletes:
        strava_event(athlete)

    started = Connection.objects.filter(next_run_at__lte=timezone.now()).count()
    assert started == quarter_hour.limit // 10  # queued now, or due for the dispatcher
    assert _reasons().count("unsigned_cap") == 3


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_a_signed_hint_starts_an_import_even_right_after_one(account_factory, provider):
    connection = account_factory(provider, "acct-1")
    Connection.objects.filter(pk=connection.pk).update(last_attempt_at=timezone.now())
    signed = Delivery(status=200, hints=(Hint("acct-1", (connection.feed,)),), verified=True)

    (row,) = push_receive(provider_id=provider, delivery=signed)

    assert (row.outcome, row.reason) == ("accepted", "queued")
    assert ImportRun.objects.filter(connection=connection).count() == 1


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_an_unsigned_hint_right_after_an_import_waits_out_the_gap(
    settings, account_factory, provider
):
    settings.UNSIGNED_PUSH_GAP_SECONDS = 300
    connection = account_factory(provider, "acct-1")
    imported = timezone.now() - timedelta(seconds=20)
    Connection.objects.filter(pk=connection.pk).update(last_attempt_at=imported)
    unsigned = Delivery(status=200, hints=(Hint("acct-1", (connection.feed,)),), verified=False)

    (row,) = push_receive(provider_id=provider, delivery=unsigned)

    assert (row.outcome, row.reason) == ("accepted", "deferred")
    assert not ImportRun.objects.exists()
    after = Connection.objects.get(pk=connection.pk)
    assert after.next_run_at == imported + timedelta(seconds=300)


def test_signed_google_notifications_each_start_an_import_as_before(
    settings, google_push, google_activities, http, run_tasks
):
    settings.UNSIGNED_PUSH_GAP_SECONDS = 300
    http.add("GET", EXERCISE, json=fixture_json("google_health", "exercise_page"))
    for _ in range(3):  # each one after the import before it finished
        assert google_push.post(notification()).status_code == 204
        run_tasks()

    assert ImportRun.objects.filter(connection=google_activities).count() == 3
    assert _reasons() == ["queued"] * 3
