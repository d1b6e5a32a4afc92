"""Tendon's settings with django-q2's defaults for the cluster (bench/queue_throughput.py)."""

from config.settings import *  # noqa: F403

Q_CLUSTER = {"name": "bench-defaults", "orm": "default"}
