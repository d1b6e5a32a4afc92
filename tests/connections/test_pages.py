"""What a person reads on My Account > Connect, a provider's page and a connection's page: one
status per card, the fix as its one button, imports in words, and the run under way."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, ImportRun
from connections.providers.google_health.scopes import ACTIVITY, HEALTH_METRICS
from connections.services.flags import credential_flag
from connections.services.scheduling import connection_import_now
from tests.conftest import element_text, page_text

pytestmark = pytest.mark.django_db

EVERY_FEED = ["activities", "sleep", "body", "heart_rate", "daily"]


def card_of(response, provider: str = "demo") -> str:
    html = response.content.decode()
    pattern = rf'<section class="card" data-provider="{provider}">(.*?)</section>'
    found = re.search(pattern, html, re.S)
    assert found, f"no {provider} card"
    return found.group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_a_revoked_grant_is_said_once_on_the_card_with_reconnect_as_its_button(
    logged_in, demo_connected
):
    connections = demo_connected(*EVERY_FEED)
    credential_flag(credential=connections["sleep"].credential, reason="invalid_grant")

    card = card_of(logged_in.get("/connect/"))

    assert text_of(card).count("Needs re-authorization") == 1
    assert re.search(r'<button class="primary" type="submit">Reconnect</button>', card)
    said = "Needs you to reconnect — Demo Health stopped accepting our access on"
    assert re.search(rf"<p class=\"summary\" data-summary>{said} \d+ \w+\.</p>", card)
    assert "invalid_grant" not in card


def test_a_missing_permission_makes_allow_the_cards_one_button(logged_in, user, demo_connect):
    demo_connect(logged_in, person=user, feeds=EVERY_FEED, granted=[ACTIVITY, HEALTH_METRICS])

    card = card_of(logged_in.get("/connect/"))

    assert re.search(r'<a class="button primary" href="/connect/demo/enable/\?feed=sleep">'
                     r"Allow sleep data</a>", card)
    assert "Permission missing: sleep" in text_of(card)
    assert text_of(card).count("Permission missing") == 1  # on the sleep row only


def test_a_card_with_nothing_to_fix_has_no_primary_button_and_says_how_it_imports(
    logged_in, demo_connected, run_import
):
    run_import(demo_connected("daily")["daily"])

    card = card_of(logged_in.get("/connect/"))

    assert "primary" not in card
    assert re.search(r"Importing every 60 minutes · last import (just now|\d+ seconds? ago)",
                     text_of(card))
    assert 'href="/connect/demo/">Details</a>' in card
    assert "Remove Demo Health" in text_of(card)


def test_details_opens_the_providers_page_with_every_feed(logged_in, demo_connected):
    demo_connected("activities", "sleep")

    page = logged_in.get("/connect/demo/")

    html = page.content.decode()
    assert page_text(page).strip().startswith("Demo Health · Tendon")
    for feed in EVERY_FEED:
        assert f'data-feed="{feed}"' in html
    assert html.count("Sync now") == 2 and html.count(">Add</a>") == 3


def test_a_provider_nobody_offers_or_connected_has_no_page(logged_in):
    assert logged_in.get("/connect/withings/").status_code == 404


def test_remove_says_it_removes_the_provider_with_all_its_feeds(logged_in, demo_connected):
    sleep = demo_connected("activities", "sleep")["sleep"]

    page = page_text(logged_in.get(f"/connect/{sleep.pk}/remove/"))

    assert "removes Demo Health (alice@example.com) with all its feeds: activities, sleep" in page
    assert "Remove Demo Health" in page


def test_a_queued_import_shows_as_queued_never_as_an_empty_one(logged_in, demo_connected):
    daily = demo_connected("daily")["daily"]
    connection_import_now(connection=daily, actor=None)

    page = page_text(logged_in.get(f"/connect/{daily.pk}/"))

    assert "Queued… it starts within a minute." in page
    assert "0 · 0" not in page and "nothing imported" not in page.lower()
    assert "Open the Demo Health app" not in page


def test_a_finished_import_counts_in_words(logged_in, demo_connected, run_import):
    daily = demo_connected("daily")["daily"]
    run_import(daily)
    first = ImportRun.objects.get(connection=daily)
    run_import(daily)

    page = page_text(logged_in.get(f"/connect/{daily.pk}/"))

    assert "Nothing new · took" in page  # the second run: the overlap read again, unchanged
    assert f"{first.created_count} days imported · took" in page


@pytest.mark.parametrize(
    ("outcome", "seconds", "took"),
    [("ok", 0.04, "took under a second"), ("ok", 4.3, "took 4.3 s"), ("skipped", 0.01, None)],
)
def test_how_long_a_run_took_is_said_in_words(
    logged_in, demo_connected, outcome, seconds, took
):
    daily = demo_connected("daily")["daily"]
    now = timezone.now()
    ImportRun.objects.create(
        connection=daily,
        claim_token="00000000-0000-0000-0000-000000000001",
        outcome=outcome,
        queued_at=now,
        started_at=now,
        finished_at=now + timedelta(seconds=seconds),
    )

    history = element_text(logged_in.get(f"/connect/{daily.pk}/").content.decode(), "data-history")

    assert "0.0 s" not in history
    assert (took in history) if took else ("took" not in history), history


def test_a_missing_permission_is_said_once_on_its_page(logged_in, user, demo_connect):
    demo_connect(logged_in, person=user, feeds=EVERY_FEED, granted=[ACTIVITY, HEALTH_METRICS])
    sleep = Connection.objects.get(user=user, feed="sleep")

    page = page_text(logged_in.get(f"/connect/{sleep.pk}/"))

    assert page.count("You did not allow sleep data.") == 1
    assert "\u201cAllow sleep data\u201d asks Demo Health for that permission only" in page


def test_an_import_that_found_nothing_says_what_to_do(logged_in, demo_connected, run_import):
    sleep = demo_connected("sleep")["sleep"]
    Connection.objects.filter(pk=sleep.pk).update(last_success_at=timezone.now())

    page = page_text(logged_in.get(f"/connect/{sleep.pk}/"))

    assert "Connected, but nothing to import yet. Open the Demo Health app" in page


def test_the_progress_door_says_how_far_a_long_import_has_come(logged_in, demo_connected):
    sleep = demo_connected("sleep")["sleep"]
    now = timezone.now()
    run = connection_import_now(connection=sleep)
    ImportRun.objects.filter(pk=run.pk).update(
        outcome="running", started_at=now, reads_from=now - timedelta(weeks=8)
    )
    Connection.objects.filter(pk=sleep.pk).update(cursor=now - timedelta(weeks=5))

    answer = logged_in.get(f"/connect/{sleep.pk}/progress/").json()

    assert answer == {"state": "running", "run": run.pk, "text": "Importing… 3 of ~8 weeks"}


def test_the_progress_door_is_idle_without_a_run_and_closed_to_others(
    client, logged_in, demo_connected, user_factory
):
    sleep = demo_connected("sleep")["sleep"]

    mine = logged_in.get(f"/connect/{sleep.pk}/progress/")
    client.force_login(user_factory("mallory@example.com"))
    theirs = client.get(f"/connect/{sleep.pk}/progress/")

    assert mine.json() == {"state": "idle", "text": ""}
    assert theirs.status_code == 404


def test_the_timeline_says_who_acted_in_words(logged_in, demo_connected, user_factory):
    from connections.services.connections import connection_disable

    sleep = demo_connected("sleep")["sleep"]
    staff = user_factory("support@example.com", is_staff=True)
    connection_disable(connection=sleep, actor=staff)

    page = page_text(logged_in.get(f"/connect/{sleep.pk}/"))

    assert "Our support team Switched off." in page
    assert "Disabled — Switched off" not in page
    assert "by staff" not in page


def test_a_removed_connection_reads_as_one_sentence(logged_in, demo_connected):
    sleep = demo_connected("sleep")["sleep"]
    logged_in.post(f"/connect/{sleep.pk}/remove/")

    page = page_text(logged_in.get(f"/connect/{sleep.pk}/"))

    assert (
        "You Removed Demo Health: we deleted the access you gave us and asked Demo Health to "
        "end it. Everything imported so far is kept." in page
    )
    assert "Tokens" not in page
    assert "Removed — " not in page and "Removed; " not in page
    assert sleep.events.filter(kind=ConnectionEvent.Kind.REMOVED).exists()


def test_a_removed_connections_page_says_it_was_removed_and_how_to_resume(
    logged_in, demo_connected
):
    sleep = demo_connected("sleep")["sleep"]
    logged_in.post(f"/connect/{sleep.pk}/remove/")

    response = logged_in.get(f"/connect/{sleep.pk}/")

    page, html = page_text(response), response.content.decode()
    said = "Demo Health was removed: nothing is imported. Everything it imported is kept."
    assert f"Disabled {said}" in page  # the pill (DESIGN.md's status), and the line under it
    assert "To import again, enable Demo Health with the same account" in page
    assert page.count("imported is kept") == 1  # said once, under the pill
    button = r'<a class="button primary" href="/connect/demo/enable/">Enable Demo Health again</a>'
    assert re.search(button, html)
    assert page.count("Disabled") == 1 and "Not allowed" not in page
    assert "Sleep asked again when you enable Demo Health" in page
    # The card says the same: previously connected, Enable it again.
    connect = page_text(logged_in.get("/connect/"))
    assert "Enable it again and importing continues from where it stopped." in connect


def test_no_internal_code_reaches_a_persons_pages_after_a_dead_grant(
    logged_in, demo_connected, run_import
):
    connections = demo_connected("sleep", "daily")
    credential = Credential.objects.get()
    credential.refresh_token = "spent"
    credential.access_token = ""
    credential.save()
    run_import(connections["daily"])

    pages = " ".join(
        page_text(logged_in.get(path))
        for path in ["/connect/", "/connect/demo/", f"/connect/{connections['daily'].pk}/"]
    )

    assert "Needs re-authorization" in pages
    for code in ("invalid_grant", "needs_reauth", "scope_missing", "Flagged for", "HTTP"):
        assert code not in pages, code


def test_an_import_that_just_finished_reads_last_import_just_now(demo_connected):
    from connections.cards import schedule_summary

    daily = demo_connected("daily")["daily"]
    daily.last_success_at = timezone.now()

    summary = schedule_summary([daily], "Demo Health")

    assert summary == "Importing every 60 minutes · last import just now"


def test_a_provider_that_is_its_own_account_owner_is_named_once_in_the_timeline(
    logged_in, demo_connected
):
    daily = demo_connected("daily")["daily"]
    credential_flag(credential=daily.credential, reason="invalid_grant")

    page = page_text(logged_in.get(f"/connect/{daily.pk}/"))

    assert "Demo Health stopped accepting Tendon's access. We e-mailed you." in page
    assert "access to Demo Health" not in page
