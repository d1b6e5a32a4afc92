"""What a person changed at the demo provider: data points added or deleted.

Everything else the demo serves is computed from (healthUserId, day) in sandbox/data.py.
"""

from django.conf import settings
from django.db import models


class DemoPoint(models.Model):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data_type = models.CharField(max_length=32)  # exercise, weight, ...
    name = models.CharField(max_length=255)  # the data point's resource name
    point = models.JSONField(default=dict, blank=True)  # the point as served; {} if deleted
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="demo_point_unique_name")
        ]

    def __str__(self) -> str:
        return f"{'Deleted' if self.deleted else 'Added'} {self.data_type} {self.name}"
