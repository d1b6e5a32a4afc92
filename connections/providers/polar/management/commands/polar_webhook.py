"""Show, create or delete Polar's webhook for this Tendon (one per application)."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connections.providers.base import GrantRevoked, ProviderError
from connections.providers.polar.webhook import EVENT_FEEDS
from connections.services.clients import provider_client
from connections.services.subscriptions import webhook_url


class Command(BaseCommand):
    help = (
        "Show Polar's webhook for this Tendon; --create makes it (and prints its signing secret, "
        "which Polar shows only once); --delete removes it."
    )

    def add_arguments(self, parser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--create", action="store_true", help="Create the webhook.")
        action.add_argument("--delete", action="store_true", help="Delete the webhook.")

    def handle(self, *args, create=False, delete=False, **options) -> None:
        url = webhook_url("polar")
        try:
            client = provider_client(provider_id="polar")
            hooks = client.webhooks()
            if create:
                self._create(client, url, hooks)
            elif delete:
                for hook in hooks:
                    client.webhook_delete(webhook_id=str(hook.get("id")))
                    self.stdout.write(f"Deleted Polar webhook {hook.get('id')}.")
                if not hooks:
                    self.stdout.write("Polar has no webhook for this application.")
            else:
                self._show(url, hooks)
        except SocialApp.DoesNotExist as error:
            raise CommandError("Set POLAR_CLIENT_ID and POLAR_CLIENT_SECRET first.") from error
        except (ProviderError, GrantRevoked) as error:
            raise CommandError(f"Polar: {error}") from error

    def _show(self, url: str, hooks: list[dict]) -> None:
        self.stdout.write(f"Tendon's address for Polar: {url}")
        if not hooks:
            self.stdout.write("Polar has no webhook for this application. Create it with --create.")
        for hook in hooks:
            state = "active" if hook.get("active", True) else "INACTIVE (Polar stopped it)"
            self.stdout.write(
                f"Webhook {hook.get('id')}: {hook.get('url')} ({state}), "
                f"events {', '.join(hook.get('events') or [])}"
            )
            if hook.get("url") != url:
                self.stdout.write(self.style.WARNING("  It points elsewhere than SITE_URL says."))
        if not settings.POLAR_WEBHOOK_SECRET:
            self.stdout.write(self.style.WARNING("POLAR_WEBHOOK_SECRET is not set."))

    def _create(self, client, url: str, hooks: list[dict]) -> None:
        if hooks:
            raise CommandError(
                f"Polar already has webhook {hooks[0].get('id')} (one per application). "
                "Delete it first with --delete."
            )
        if not url.startswith("https://"):
            self.stdout.write(self.style.WARNING("Polar sends only to HTTPS: check SITE_URL."))
        events = [event for event, feeds in EVENT_FEEDS.items() if feeds]
        # Polar pings the URL before answering: this Tendon's web process must be up.
        created = client.webhook_create(url=url, events=events)
        self.stdout.write(
            self.style.SUCCESS(f"Created Polar webhook {created.get('id')} for {url}.")
        )
        self.stdout.write(
            "Its signing secret (Polar shows it only now; set it as POLAR_WEBHOOK_SECRET on every "
            "web process and restart them):"
        )
        self.stdout.write(f"  POLAR_WEBHOOK_SECRET={created['signature_secret_key']}")
