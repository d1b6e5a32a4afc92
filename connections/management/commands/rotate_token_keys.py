"""Re-encrypt every stored token under the first key of TOKEN_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from connections.services.tokens import tokens_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every token under the first key in TOKEN_ENCRYPTION_KEYS. Put the new key "
        "first, keep the old ones after it, run this, then drop the old keys."
    )

    def handle(self, *args, **options) -> None:
        count = tokens_reencrypt()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the tokens of {count} credential(s)."))
