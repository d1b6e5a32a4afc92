"""Re-encrypt every stored token under the first key of TOKEN_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand, CommandError

from connections.services.tokens import tokens_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every token under the first key in TOKEN_ENCRYPTION_KEYS. Put the new key "
        "first, keep the old ones after it, run this, then drop the old keys."
    )

    def handle(self, *args, **options) -> None:
        count, unreadable = tokens_reencrypt()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the tokens of {count} credential(s)."))
        if unreadable:
            ids = ", ".join(map(str, unreadable[:20])) + (" …" if len(unreadable) > 20 else "")
            raise CommandError(
                f"{len(unreadable)} credential(s) have tokens no key in TOKEN_ENCRYPTION_KEYS "
                f"can read (ids {ids}); they were left as they were. Put the key that encrypted "
                "them back in TOKEN_ENCRYPTION_KEYS and run this again before dropping any key."
            )
