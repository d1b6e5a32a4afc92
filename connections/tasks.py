"""django-q2 tasks: triggers only, each a door into one service (the database is the truth)."""

from connections.models import ImportRun
from connections.services.imports import import_run_execute
from connections.services.revocations import revocations_attempt_due
from connections.services.scheduling import imports_dispatch_due
from connections.services.tokens import credentials_refresh_expiring


def run_import(run_id: int) -> str:
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        return "gone"
    return import_run_execute(run=run).outcome


def dispatch_imports() -> int:
    return len(imports_dispatch_due())


def refresh_expiring_tokens() -> dict[str, int]:
    return credentials_refresh_expiring()


def retry_revocations() -> dict[str, int]:
    return revocations_attempt_due()
