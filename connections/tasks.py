"""django-q2 tasks: triggers only, each a door into one service (the database is the truth)."""

from connections.models import ImportRun
from connections.services.batches import import_batch_execute
from connections.services.expiry import credentials_warn_expiring
from connections.services.grant_checks import credential_check_grant
from connections.services.health import health_refresh
from connections.services.imports import import_run_execute
from connections.services.push import webhook_hints_prune
from connections.services.revocations import revocations_attempt_due
from connections.services.scheduling import imports_dispatch_due
from connections.services.subscriptions import (
    credential_push_subscribe,
    push_subscriptions_sync_due,
)
from connections.services.tokens import credentials_refresh_expiring
from connections.services.upkeep import providers_upkeep


def run_import(run_id: int) -> str:
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        return "gone"
    return import_run_execute(run=run).outcome


def run_imports(run_ids: list[int]) -> dict[str, int]:
    return import_batch_execute(run_ids=run_ids)


def dispatch_imports() -> int:
    return len(imports_dispatch_due())


def refresh_expiring_tokens() -> dict[str, int]:
    return credentials_refresh_expiring()


def warn_ending_access() -> int:
    return credentials_warn_expiring()


def retry_revocations() -> dict[str, int]:
    return revocations_attempt_due()


def sync_push_subscription(credential_id: int) -> bool:
    return credential_push_subscribe(credential_id=credential_id)


def sync_due_push_subscriptions() -> int:
    return push_subscriptions_sync_due()


def check_grant(credential_id: int) -> str:
    return credential_check_grant(credential_id=credential_id)


def prune_push_log() -> int:
    return webhook_hints_prune()


def provider_upkeep() -> dict:
    return providers_upkeep()


def count_health() -> str:
    return str(health_refresh())
