"""Create, list and renew Oura's webhook subscriptions for this Tendon."""

from __future__ import annotations

from datetime import timedelta

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connections.providers.base import GrantRevoked, ProviderError
from connections.providers.oura import subscriptions
from connections.services.clients import provider_client
from connections.services.subscriptions import webhook_url


class Command(BaseCommand):
    help = (
        "Oura push: `create` subscribes this Tendon to every event its feeds read (Oura checks "
        "the webhook URL first), `list` shows the subscriptions with their expiry, `renew` "
        "renews those expiring within --within-days (the provider upkeep schedule does this "
        "on its own)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["create", "list", "renew"])
        parser.add_argument("--within-days", type=int, default=3, help="renew: default 3.")

    def handle(self, *args, action: str, within_days: int = 3, **options) -> None:
        callback = webhook_url("oura")
        try:
            client = provider_client(provider_id="oura")
        except SocialApp.DoesNotExist as error:
            raise CommandError(
                "Oura is not set up: set OURA_CLIENT_ID and OURA_CLIENT_SECRET."
            ) from error
        try:
            if action == "create":
                self._create(client, callback)
            elif action == "renew":
                held = subscriptions.ours(client, callback_url=callback)
                renewed, refused = subscriptions.renew_due(
                    client, held=held, within=timedelta(days=within_days)
                )
                self.stdout.write(f"Renewed {len(renewed)} of {len(held)} subscription(s).")
                self._show(renewed)
                if refused:
                    self.stderr.write(
                        f"Oura refused to renew {len(refused)} (see the log); `oura_webhooks list` "
                        "shows what it still holds, and `oura_webhooks create` makes the rest."
                    )
            else:
                self._show(client.webhook_list(), callback=callback)
        except (ProviderError, GrantRevoked) as error:
            raise CommandError(f"Oura refused or did not answer: {error}") from error

    def _create(self, client, callback: str) -> None:
        token = settings.OURA_WEBHOOK_VERIFICATION_TOKEN
        if not token:
            raise CommandError(
                "Set OURA_WEBHOOK_VERIFICATION_TOKEN (and restart the web processes) first: Oura "
                f"checks {callback} with it before it accepts a subscription."
            )
        created = subscriptions.ensure(client, callback_url=callback, verification_token=token)
        wanted = len(subscriptions.wanted())
        self.stdout.write(
            f"Created {len(created)} subscription(s); {wanted - len(created)} were there already."
        )
        self._show(created)

    def _show(self, items, *, callback: str | None = None) -> None:
        for item in items:
            mine = "" if callback is None or item.callback_url == callback else "  (another URL)"
            expires = (
                item.expiration_time.isoformat() if item.expiration_time else "no expiry given"
            )
            self.stdout.write(
                f"  {item.event_type:<6} {item.data_type:<16} expires {expires}  id {item.id}{mine}"
            )
