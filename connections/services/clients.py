"""The API client for a provider, with its OAuth app from settings or the admin."""

from __future__ import annotations

import threading
import time

from allauth.socialaccount.adapter import get_adapter as get_socialaccount_adapter
from allauth.socialaccount.models import SocialApp
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from connections.providers import offered_spec

APP_TTL = 60.0  # seconds a worker keeps an app's id and secret before reading them again

_apps: dict[str, tuple[float, str, str]] = {}
_lock = threading.Lock()


def provider_client(*, provider_id: str, request=None):
    """The API client for provider_id; ProviderNotOffered if it has left the registry.

    Without a request (the worker's imports, refreshes, revocations), the app's id and secret
    are read once a minute, not once per import: a worker may otherwise spend a query on them
    for every sync. Saving an app in this process forgets them at once; in another process (an
    admin edit in the web server), the worker picks the change up within a minute.
    """
    spec = offered_spec(provider_id)  # the same refusal with or without a cache
    if request is None:
        client_id, secret = _app_credentials(provider_id)
    else:
        app = get_socialaccount_adapter().get_app(request, provider=provider_id)
        client_id, secret = app.client_id, app.secret
    return spec.client(client_id=client_id, client_secret=secret)


def _app_credentials(provider_id: str) -> tuple[str, str]:
    now = time.monotonic()
    with _lock:
        cached = _apps.get(provider_id)
    if cached is not None and cached[0] > now:
        return cached[1], cached[2]
    app = get_socialaccount_adapter().get_app(None, provider=provider_id)
    with _lock:
        _apps[provider_id] = (now + APP_TTL, app.client_id, app.secret)
    return app.client_id, app.secret


def forget_apps(**_kwargs) -> None:
    """Drops the cached apps (the settings changed, in a test)."""
    with _lock:
        _apps.clear()


def _app_changed(**_kwargs) -> None:
    """An app saved or deleted here: forgotten now, and again once the change is committed, so
    that a thread that read the old row meanwhile does not keep it for a minute."""
    forget_apps()
    transaction.on_commit(forget_apps)


post_save.connect(_app_changed, sender=SocialApp, dispatch_uid="tendon-forget-apps-saved")
post_delete.connect(_app_changed, sender=SocialApp, dispatch_uid="tendon-forget-apps-deleted")
setting_changed.connect(forget_apps, dispatch_uid="tendon-forget-apps-settings")
