"""The whole Enable -> Disable -> Remove -> Enable life, against the real demo provider."""

from __future__ import annotations

import re

import pytest

from connections.models import Connection, ConnectionEvent, Credential, Feed, ImportRun
from connections.providers import PROVIDERS
from tests.conftest import page_text

pytestmark = pytest.mark.django_db


def test_enable_connects_the_chosen_feeds(logged_in, user, demo_connect):
    response = demo_connect(logged_in, person=user, feeds=["activities", "sleep"])

    assert response.status_code == 302 and response["Location"] == "/connect/"
    page = page_text(logged_in.get("/connect/"))
    assert "Demo Health is connected. Importing starts now." in page
    assert "alice@example.com" in page
    credential = Credential.objects.get(user=user, provider="demo")
    assert credential.status == Credential.Status.ACTIVE
    assert credential.account_uid == f"demo-{user.pk}"
    assert sorted(c.feed for c in credential.connections.all()) == ["activities", "sleep"]
    assert all(c.enabled for c in credential.connections.all())


def test_connecting_starts_the_first_import_without_waiting_for_the_schedule(
    logged_in, user, demo_connect, run_tasks, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_CONCURRENCY = 1  # the imports run on this thread, inside the test's transaction
    with django_capture_on_commit_callbacks(execute=True):
        demo_connect(logged_in, person=user, feeds=["activities", "sleep"])

    done = run_tasks()

    assert done[0][0] == "connections.tasks.dispatch_imports"
    imported = ImportRun.objects.filter(connection__user=user, outcome=ImportRun.Outcome.OK)
    assert sorted(run.connection.feed for run in imported) == ["activities", "sleep"]


def test_enable_again_starts_importing_without_waiting_for_the_schedule(
    logged_in, user, demo_connect, run_tasks, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_CONCURRENCY = 1
    demo_connect(logged_in, person=user, feeds=["sleep"])
    connection = Connection.objects.get(user=user, feed="sleep")
    logged_in.post(f"/connect/{connection.pk}/disable/")

    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(f"/connect/{connection.pk}/enable/")
    run_tasks()

    assert ImportRun.objects.filter(connection=connection, outcome=ImportRun.Outcome.OK).exists()


def test_unconnected_provider_says_what_it_imports(logged_in, demo_app):
    page = page_text(logged_in.get("/connect/"))

    assert "Imports activities, sleep, body, heart rate and daily summary." in page


def test_enable_page_explains_each_feed_by_what_it_imports(logged_in, demo_app):
    response = logged_in.get("/connect/demo/enable/?feed=sleep")

    page = page_text(response)
    assert "Heart rate: your resting heart rate, one value a day" in page
    assert "Sleep: each night's sleep: when, how long and its stages" in page
    assert "unticking a permission there only turns off the feeds that need it" in page.lower()
    sentences = [row.description for row in response.context["page"].rows]
    assert len(set(sentences)) == len(sentences)


def _asked(html: str) -> list[str]:
    """The permissions under "What … will ask you" that the page shows (not hidden)."""
    asks = html[html.index("data-asks") : html.index("</ul>", html.index("data-asks"))]
    return [
        re.sub(r"<[^>]+>", "", item).split(" — ")[0]
        for attributes, item in re.findall(r"<li([^>]*)>(.*?)</li>", asks)
        if "hidden" not in attributes
    ]


def test_allow_sleep_data_lists_only_sleep_and_shows_the_other_feeds_as_allowed(
    logged_in, user, demo_connect
):
    from connections.providers.google_health import scopes

    spec = PROVIDERS["demo"]
    granted = [scopes.ACTIVITY, scopes.HEALTH_METRICS]
    demo_connect(logged_in, person=user, feeds=list(spec.feeds), granted=granted)
    cards = logged_in.get("/connect/").content.decode()
    allow = re.search(r'href="([^"]+)">Allow sleep data<', cards).group(1).replace("&amp;", "&")

    response = logged_in.get(allow)

    html = response.content.decode()
    assert _asked(html) == ["Sleep"]
    assert re.findall(r'name="feeds" value="(\w+)"', html) == ["sleep"]  # the one choice
    assert re.search(r'name="feeds" value="sleep" checked', html)
    text = page_text(response)
    for feed in ("activities", "body", "heart_rate", "daily"):
        line = f"{Feed(feed).label}: {spec.feed_description(feed)} Already allowed: importing"
        assert f"{line} from alice@example.com" in text, feed


def test_the_enable_page_of_a_new_provider_asks_for_every_ticked_feeds_permission(
    logged_in, demo_app
):
    html = logged_in.get("/connect/demo/enable/?feed=sleep&feed=body").content.decode()

    assert _asked(html) == ["Sleep", "Health metrics and measurements"]
    assert "Already allowed" not in html


def test_a_provider_without_incremental_consent_says_it_asks_again_for_the_feeds_in_use(
    logged_in, user, withings_app
):
    from connections.providers.withings import scopes

    credential = Credential.objects.create(
        user=user,
        provider="withings",
        account_uid="363",
        account_label="Alice's scale",
        access_token="a",
        refresh_token="r",
        scopes=[scopes.INFO, scopes.METRICS],
    )
    Connection.objects.create(
        user=user, provider="withings", feed="body", account_uid="363", credential=credential
    )

    html = logged_in.get("/connect/withings/enable/").content.decode()

    # Withings replaces the grant: it asks again for the profile and the scale's measurements.
    assert _asked(html) == ["Your Withings profile", "Health measurements", "Activity"]
    assert "asks again for what your other feeds use" in page_text(
        logged_in.get("/connect/withings/enable/")
    )
    assert re.findall(r'name="feeds" value="(\w+)"', html) == ["daily"]


def test_connecting_another_account_offers_every_feed_again(logged_in, user, demo_connect):
    demo_connect(logged_in, person=user, feeds=["sleep"])

    html = logged_in.get("/connect/demo/enable/").content.decode()
    another = logged_in.get("/connect/demo/enable/?account=another").content.decode()

    assert "sleep" not in re.findall(r'name="feeds" value="(\w+)"', html)
    assert 'href="/connect/demo/enable/?account=another"' in html
    assert len(re.findall(r'name="feeds" value="(\w+)" checked', another)) == 5
    assert "Already allowed" not in another


def test_a_provider_that_describes_no_feed_still_explains_each_one():
    from dataclasses import replace

    from connections.providers import PROVIDERS

    bare = replace(PROVIDERS["demo"], feed_descriptions={})

    assert bare.feed_description("heart_rate") == "your heart rate data"
    assert bare.feed_description("daily") == "your daily summary data"


def test_enable_page_refuses_an_empty_choice(logged_in, demo_app):
    response = logged_in.post("/connect/demo/enable/", {})

    assert response.status_code == 200
    assert "Choose at least one kind of data to import." in page_text(response)
    assert not Credential.objects.exists()


@pytest.mark.parametrize(
    "feeds", [["bogus"], ["sleep", "<script>alert(1)</script>"]], ids=["unknown", "markup"]
)
def test_enable_page_refuses_feeds_it_does_not_offer_and_changes_nothing(
    logged_in, demo_app, feeds
):
    from tests.conftest import snapshot

    before = snapshot()

    response = logged_in.post("/connect/demo/enable/", {"feeds": feeds})

    assert response.status_code == 200
    assert "is not one of the available choices" in page_text(response)
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert snapshot() == before


def test_unticked_permission_shows_permission_missing_on_that_feed_only(
    logged_in, user, demo_connect
):
    from connections.providers.google_health import scopes

    demo_connect(logged_in, person=user, feeds=["activities", "sleep"], granted=[scopes.ACTIVITY])

    page = page_text(logged_in.get("/connect/"))
    assert "Permission missing: sleep" in page
    assert "Allow sleep data" in page
    activities = Connection.objects.get(user=user, feed="activities")
    assert "Connected" in page_text(logged_in.get(f"/connect/{activities.pk}/"))


def test_disable_keeps_the_connection_and_stops_it(logged_in, user, demo_connect):
    demo_connect(logged_in, person=user, feeds=["sleep"])
    connection = Connection.objects.get(user=user, feed="sleep")

    response = logged_in.post(f"/connect/{connection.pk}/disable/", follow=True)

    connection.refresh_from_db()
    assert not connection.enabled
    assert connection.credential is not None
    assert "Sleep from Demo Health is switched off" in page_text(response)
    assert connection.events.filter(kind=ConnectionEvent.Kind.DISABLED).exists()


def test_enable_after_disable_needs_no_trip_to_the_provider(logged_in, user, demo_connect):
    demo_connect(logged_in, person=user, feeds=["sleep"])
    connection = Connection.objects.get(user=user, feed="sleep")
    logged_in.post(f"/connect/{connection.pk}/disable/")

    response = logged_in.post(f"/connect/{connection.pk}/enable/")

    assert response["Location"] == "/connect/demo/"
    connection.refresh_from_db()
    assert connection.enabled


def test_remove_confirmation_says_data_is_kept(logged_in, user, demo_connect):
    demo_connect(logged_in, person=user, feeds=["sleep"])
    connection = Connection.objects.get(user=user, feed="sleep")

    page = page_text(logged_in.get(f"/connect/{connection.pk}/remove/"))

    assert "Remove Demo Health?" in page
    assert "Everything already imported stays in Tendon." in page
    assert Credential.objects.get(user=user).status == Credential.Status.ACTIVE


def test_remove_revokes_at_the_provider_and_deletes_the_tokens(logged_in, user, demo_connect):
    from oauth2_provider.models import RefreshToken

    demo_connect(logged_in, person=user, feeds=["sleep"])
    connection = Connection.objects.get(user=user, feed="sleep")

    response = logged_in.post(f"/connect/{connection.pk}/remove/", follow=True)

    assert "Demo Health is removed. Demo Health has revoked our access." in page_text(response)
    credential = Credential.objects.get(user=user)
    assert credential.status == Credential.Status.REVOKED
    assert credential.access_token == "" and credential.refresh_token == ""
    assert not RefreshToken.objects.filter(user=user, revoked__isnull=True).exists()
    connection.refresh_from_db()
    assert connection.credential is None and not connection.enabled


def test_enable_again_with_the_same_account_brings_back_the_cursor(logged_in, user, demo_connect):
    demo_connect(logged_in, person=user, feeds=["sleep"])
    connection = Connection.objects.get(user=user, feed="sleep")
    from django.utils import timezone

    cursor = timezone.now().replace(microsecond=0)
    Connection.objects.filter(pk=connection.pk).update(cursor=cursor)
    logged_in.post(f"/connect/{connection.pk}/remove/")

    demo_connect(logged_in, person=user, feeds=["sleep"])

    again = Connection.objects.get(user=user, feed="sleep")
    assert again.pk == connection.pk
    assert again.cursor == cursor
    assert again.enabled and again.credential.status == Credential.Status.ACTIVE
    assert Credential.objects.filter(user=user).count() == 1


def test_enable_with_another_account_starts_a_fresh_history(
    logged_in, user, user_factory, demo_connect
):
    other_identity = user_factory("alice-second@example.com")
    demo_connect(logged_in, person=user, feeds=["sleep"])
    first = Connection.objects.get(user=user, feed="sleep")
    logged_in.post(f"/connect/{first.pk}/remove/")
    logged_in.post("/sandbox/logout/")

    demo_connect(logged_in, person=other_identity, feeds=["sleep"])

    fresh = Connection.objects.get(user=user, feed="sleep", credential__isnull=False)
    assert fresh.pk != first.pk
    assert fresh.cursor is None
    assert fresh.account_uid == f"demo-{other_identity.pk}"


def test_adding_a_feed_asks_only_for_its_permission_and_keeps_the_others(
    logged_in, user, demo_connect
):
    from connections.providers.google_health import scopes

    demo_connect(logged_in, person=user, feeds=["sleep"])

    start = logged_in.post("/connect/demo/enable/", {"feeds": ["body"]})
    consent = logged_in.get(start["Location"])
    demo_connect(logged_in, person=user, start=start)

    from tests.conftest import query_of

    assert query_of(start["Location"])["scope"].split() == [scopes.HEALTH_METRICS]
    assert query_of(start["Location"])["include_granted_scopes"] == "true"
    assert consent.context["scopes"] == [scopes.HEALTH_METRICS]
    assert "Already allowed, and kept: Sleep." in page_text(consent)
    credential = Credential.objects.get(user=user)
    assert {scopes.SLEEP, scopes.HEALTH_METRICS} == set(credential.scopes)
    page = page_text(logged_in.get("/connect/"))
    assert "Permission missing" not in page
