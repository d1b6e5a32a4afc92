"""Writes on stored tokens as a whole."""

from __future__ import annotations

from django.db import transaction

from connections.models import Credential

BATCH = 500


def tokens_reencrypt() -> int:
    """The number of credentials whose tokens were re-encrypted under the first key."""
    count = 0
    pks = list(Credential.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        with transaction.atomic():
            batch = list(
                Credential.objects.select_for_update().filter(pk__in=pks[start : start + BATCH])
            )
            # Reading decrypts with any key; writing encrypts with the first.
            Credential.objects.bulk_update(batch, ["access_token", "refresh_token"])
            count += len(batch)
    return count
