"""Seed the demo: a Tendon user, and the demo provider's OAuth client registered on both sides."""

from __future__ import annotations

import secrets

from allauth.socialaccount.models import SocialApp
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.crypto import salted_hmac
from oauth2_provider.models import get_application_model

from accounts.emails import email_proven

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

        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Set the demo user's password back to the one this command prints.",
        )

    @staticmethod
    def _demo_password(*, reset: bool) -> str | None:
        """The demo user's password, or None when they chose their own.

        Derived from this checkout's SECRET_KEY, so a restart neither changes it nor signs the
        person out, and no password is written down anywhere."""
        password = salted_hmac("tendon.seed_demo", DEMO_EMAIL).hexdigest()[:16]
        user, created = get_user_model().objects.get_or_create(email=DEMO_EMAIL)
        # The demo address is the checkout's own: confirmed, so logging in is one click.
        email_proven(user=user, email=DEMO_EMAIL)
        if created or reset or not user.has_usable_password():
            user.set_password(password)
            user.save()
            return password
        return password if user.check_password(password) else None

    @transaction.atomic
    def handle(
        self,
        *args,
        base_urls: list[str] | None = None,
        reset_password: bool = False,
        **options,
    ) -> None:
        base_urls = base_urls or ["http://127.0.0.1:8000"]
        base_urls = sorted(
            {u.rstrip("/") for u in base_urls}
            | {u.rstrip("/").replace("127.0.0.1", "localhost") for u in base_urls}
        )
        password = self._demo_password(reset=reset_password)

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
            + f"\n  Open {url}/ and log in as {DEMO_EMAIL} with "
            + (
                f"password {password}"
                if password
                else "the password you chose (or run manage.py seed_demo --reset-password)"
            )
            + "\n  (or sign up as yourself). Then My Account > Connect > Demo Health > Enable."
            + "\n  The demo provider signs you in with the same e-mail and password; its page"
            + f"\n  {url}/sandbox/ lets you expire or revoke the grant, and 'Add a workout now'"
            + "\n  pushes a new workout to Tendon: it shows on My data within seconds.\n"
        )
