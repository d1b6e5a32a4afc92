"""Print (or create) the Google Health API subscriber that sends push to this Tendon."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connections.providers.base import GrantRevoked, ProviderError
from connections.providers.google_health import subscribers
from connections.services.subscriptions import webhook_url


class Command(BaseCommand):
    help = (
        "Print what to enter when creating the Google Health API subscriber for this Tendon; "
        "with --create and a service-account key file, create it through the API."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--create", action="store_true", help="Create it through the API.")
        parser.add_argument("--key-file", help="A service-account JSON key of the project.")
        parser.add_argument("--project", help="Project id or number (default: the key's).")
        parser.add_argument("--subscriber-id", default="tendon", help="Default: tendon.")

    def handle(
        self, *args, create=False, key_file=None, project=None, subscriber_id="tendon", **options
    ):
        endpoint = webhook_url("google_health")
        authorization = settings.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION
        self.stdout.write("Google Health API subscriber (projects.subscribers.create):")
        self.stdout.write(f"  Endpoint URI:         {endpoint}")
        self.stdout.write(f"  Data types:           {', '.join(subscribers.data_types())}")
        self.stdout.write("  Subscription policy:  AUTOMATIC (everyone who granted the scopes)")
        if authorization:
            self.stdout.write(f"  Authorization secret: {authorization}")
            self.stdout.write(
                "    (the value of GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION, scheme included)"
            )
        else:
            suggestion = "Bearer " + secrets.token_urlsafe(32)
            self.stdout.write(
                self.style.WARNING(
                    "  Authorization secret: not set. Set GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION, for "
                    f"example to\n    {suggestion}\n  and restart every web process first: Google "
                    "checks the endpoint while creating the subscriber."
                )
            )
        if not endpoint.startswith("https://"):
            self.stdout.write(
                self.style.WARNING(
                    "  Google only sends to HTTPS: set SITE_URL to your https:// address."
                )
            )
        if not create:
            return
        if not authorization:
            raise CommandError("Set GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION before --create.")
        if not key_file:
            raise CommandError("--create needs --key-file (a service-account JSON key).")
        try:
            key = json.loads(Path(key_file).read_text())
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {key_file} as JSON ({error}).") from error
        needed = ("client_email", "private_key", "token_uri", "project_id")
        if not isinstance(key, dict) or any(not key.get(field) for field in needed):
            raise CommandError(f"{key_file} is not a service-account JSON key.")
        project = project or key["project_id"]
        try:
            token = subscribers.service_account_token(key)
            operation = subscribers.create_subscriber(
                api_url=settings.PROVIDER_ENDPOINTS["google_health"]["api_url"],
                project=project,
                subscriber_id=subscriber_id,
                payload=subscribers.subscriber_payload(
                    endpoint_uri=endpoint, authorization=authorization
                ),
                access_token=token,
            )
        except (ProviderError, GrantRevoked, ValueError) as error:
            raise CommandError(f"Creating the subscriber failed: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Subscriber requested: operation {operation.get('name', '?')} "
                f"({'done' if operation.get('done') else 'in progress'})."
            )
        )
