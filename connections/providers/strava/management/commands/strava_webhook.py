"""Show, create or delete Strava's push subscription for this Tendon (one per application)."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connections.providers.base import GrantRevoked, ProviderError, ScopeMissing
from connections.providers.strava import subscription
from connections.services.clients import provider_client
from connections.services.subscriptions import webhook_url


class Command(BaseCommand):
    help = (
        "Show Strava's push subscription for this Tendon; --create makes it (Strava checks "
        "the callback URL at once: the web process must be up with STRAVA_WEBHOOK_VERIFY_TOKEN "
        "set); --delete removes it."
    )

    def add_arguments(self, parser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--create", action="store_true", help="Create the subscription.")
        action.add_argument("--delete", action="store_true", help="Delete the subscription.")

    def handle(self, *args, create=False, delete=False, **options) -> None:
        url = webhook_url("strava")
        try:
            client = provider_client(provider_id="strava")
            existing = subscription.subscriptions(client)
            if create:
                self._create(client, url, existing)
            elif delete:
                for item in existing:
                    subscription.unsubscribe(client, subscription_id=int(item["id"]))
                    self.stdout.write(f"Deleted Strava subscription {item['id']}.")
                if not existing:
                    self.stdout.write("Strava has no push subscription for this application.")
            else:
                self._show(url, existing)
        except SocialApp.DoesNotExist as error:
            raise CommandError("Set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET first.") from error
        except (ProviderError, GrantRevoked, ScopeMissing, KeyError, ValueError) as error:
            raise CommandError(f"Strava: {error}") from error

    def _show(self, url: str, existing: list[dict]) -> None:
        self.stdout.write(f"Tendon's callback URL for Strava: {url}")
        if not existing:
            self.stdout.write("Strava has no push subscription for this application.")
        for item in existing:
            self.stdout.write(f"Subscription {item.get('id')}: {item.get('callback_url')}")
            if item.get("callback_url") != url:
                self.stdout.write(self.style.WARNING("  It points elsewhere than SITE_URL says."))
        if not settings.STRAVA_WEBHOOK_VERIFY_TOKEN:
            self.stdout.write(self.style.WARNING("STRAVA_WEBHOOK_VERIFY_TOKEN is not set."))

    def _create(self, client, url: str, existing: list[dict]) -> None:
        if existing:
            raise CommandError(
                f"Strava already has subscription {existing[0].get('id')} (one per application). "
                "Delete it first with --delete."
            )
        verify_token = settings.STRAVA_WEBHOOK_VERIFY_TOKEN
        if not verify_token:
            raise CommandError("Set STRAVA_WEBHOOK_VERIFY_TOKEN (and restart the web) first.")
        created = subscription.subscribe(client, callback_url=url, verify_token=verify_token)
        self.stdout.write(self.style.SUCCESS(f"Created Strava subscription {created} for {url}."))
        self.stdout.write(
            "To refuse events naming any other subscription, set on every web process:\n"
            f"  STRAVA_WEBHOOK_SUBSCRIPTION_ID={created}"
        )
