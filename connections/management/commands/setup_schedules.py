"""Install Tendon's schedules in django-q2 (idempotent: run it on every deploy)."""

from django.core.management.base import BaseCommand
from django_q.models import Schedule

SCHEDULES = {
    "tendon: dispatch due imports": ("connections.tasks.dispatch_imports", 1),
    "tendon: refresh expiring tokens": ("connections.tasks.refresh_expiring_tokens", 10),
    "tendon: warn before access ends": ("connections.tasks.warn_ending_access", 60),
    "tendon: retry revocations": ("connections.tasks.retry_revocations", 5),
    "tendon: retry push subscriptions": ("connections.tasks.sync_due_push_subscriptions", 10),
    "tendon: prune the push log": ("connections.tasks.prune_push_log", 24 * 60),
    "tendon: provider upkeep": ("connections.tasks.provider_upkeep", 6 * 60),
    "tendon: count connection health": ("connections.tasks.count_health", 5),
}


class Command(BaseCommand):
    help = (
        "Install the import dispatcher (every minute), the revocation retries and the health "
        "dashboard's counts (every 5 minutes), the token refresher and the push subscription "
        "retries (every 10 minutes), the notice before a grant that cannot be renewed ends "
        "(hourly), the providers' upkeep such as renewing webhook subscriptions (every 6 hours), "
        "and the push log's pruning (daily)."
    )

    def handle(self, *args, **options) -> None:
        for name, (func, minutes) in SCHEDULES.items():
            Schedule.objects.update_or_create(
                name=name,
                defaults={
                    "func": func,
                    "schedule_type": Schedule.MINUTES,
                    "minutes": minutes,
                    "repeats": -1,
                },
            )
            self.stdout.write(f"Scheduled {func} every {minutes} minute(s) as {name!r}.")
