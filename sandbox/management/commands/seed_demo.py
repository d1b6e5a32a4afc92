"""Seed the demo: a Tendon user, and the demo provider's OAuth client registered on both sides."""

from __future__ import annotations

import secrets

from allauth.socialaccount.models import SocialApp
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from oauth2_provider.models import get_application_model

DEMO_EMAIL = "demo@example.com"
CLIENT_ID = "tendon-demo"


class Command(BaseCommand):
    help = "Create the demo user and the demo provider's OAuth client; print how to log in."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--base-url",
            action="append",
            dest="base_urls",
            help="Where Tendon is served (repeatable); default http://127.0.0.1:8000 and "
            "http://localhost:8000.",
        )

    @transaction.atomic
    def handle(self, *args, base_urls: list[str] | None = None, **options) -> None:
        base_urls = base_urls or ["http://127.0.0.1:8000"]
        base_urls = sorted(
            {u.rstrip("/") for u in base_urls}
            | {u.rstrip("/").replace("127.0.0.1", "localhost") for u in base_urls}
        )
        password = secrets.token_urlsafe(9)
        user, _ = get_user_model().objects.get_or_create(email=DEMO_EMAIL)
        user.set_password(password)
        user.save()

        app, _ = SocialApp.objects.get_or_create(
            provider="demo", defaults={"name": "Demo Health", "client_id": CLIENT_ID}
        )
        if not app.secret:
            app.secret = secrets.token_urlsafe(32)
        app.client_id = CLIENT_ID
        app.save()

        Application = get_application_model()
        application = Application.objects.filter(client_id=CLIENT_ID).first() or Application(
            client_id=CLIENT_ID
        )
        application.name = "Tendon"
        application.client_type = Application.CLIENT_CONFIDENTIAL
        application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        application.redirect_uris = " ".join(
            f"{url}/accounts/demo/login/callback/" for url in base_urls
        )
        application.client_secret = app.secret  # hashed by django-oauth-toolkit on save
        application.hash_client_secret = True
        application.skip_authorization = False
        application.save()

        url = base_urls[0]
        self.stdout.write(
            self.style.SUCCESS("Demo ready.")
            + f"\n  Open {url}/ and log in as {DEMO_EMAIL} with password {password}"
            + "\n  (or sign up as yourself). Then My Account > Connect > Demo Health > Enable."
            + "\n  The demo provider signs you in with the same e-mail and password; its page"
            + f"\n  {url}/sandbox/ lets you expire or revoke the grant.\n"
        )
