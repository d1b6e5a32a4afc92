"""Workers read a provider's OAuth app once a minute, and a change to it still applies."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp

from connections.services import clients
from connections.services.clients import provider_client

pytestmark = pytest.mark.django_db


def test_a_secret_saved_here_is_used_by_the_next_client(demo_app):
    assert provider_client(provider_id="demo").config.client_secret == demo_app.secret

    demo_app.secret = "a-new-secret"
    demo_app.save()

    assert provider_client(provider_id="demo").config.client_secret == "a-new-secret"


def test_a_secret_changed_by_another_process_is_used_within_a_minute(demo_app, monkeypatch):
    provider_client(provider_id="demo")
    SocialApp.objects.filter(pk=demo_app.pk).update(secret="changed-elsewhere")  # no signal
    now = clients.time.monotonic()

    assert provider_client(provider_id="demo").config.client_secret == demo_app.secret  # cached
    monkeypatch.setattr(clients.time, "monotonic", lambda: now + clients.APP_TTL + 1)
    assert provider_client(provider_id="demo").config.client_secret == "changed-elsewhere"
