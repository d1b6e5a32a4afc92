"""Install Tendon's schedules in django-q2 (idempotent: run it on every deploy)."""

from django.core.management.base import BaseCommand
from django_q.models import Schedule

SCHEDULES = {
    "tendon: dispatch due imports": ("connections.tasks.dispatch_imports", 1),
    "tendon: refresh expiring tokens": ("connections.tasks.refresh_expiring_tokens", 10),
}


class Command(BaseCommand):
    help = "Install the import dispatcher (every minute) and the token refresher (every 10 min)."

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
