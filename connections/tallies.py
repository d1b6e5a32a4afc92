"""What the health dashboard reads: counts the worker keeps (connections/services/health.py),
so the dashboard costs the same at a hundred connections and at a million."""

from django.db import models


class StatusSnapshot(models.Model):
    """Connections by provider and status, counted by the worker: today's row is recounted every
    few minutes, and the last count of each day stays as that day's snapshot (the 14-day chart)."""

    day = models.DateField(unique=True)
    taken_at = models.DateTimeField()
    # {provider: {status code: n}}; "retrying": failing now but not yet long enough for "Error".
    counts = models.JSONField(default=dict)
    # The first connections that are not working, worst first, for "Failing now": [id, code].
    attention = models.JSONField(default=list)
    expiring = models.PositiveIntegerField("tokens expiring within the hour", default=0)

    class Meta:
        ordering = ["-day"]
        get_latest_by = "day"

    def __str__(self) -> str:
        return f"Connection health on {self.day.day} {self.day:%b %Y}"

    def total(self, code: str) -> int:
        return sum(by_status.get(code, 0) for by_status in self.counts.values())


class RunTally(models.Model):
    """Import runs that finished in one hour, by outcome and error code."""

    hour = models.DateTimeField()
    outcome = models.CharField(max_length=8)
    error_code = models.CharField(max_length=32, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "outcome", "error_code"], name="one_tally_per_hour_outcome_error"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.outcome} runs at {self.hour.day} {self.hour:%b %H:00}"
