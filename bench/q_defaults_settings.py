"""Tendon's settings with django-q2's own defaults for the cluster (for bench/queue_throughput.py)."""

from config.settings import *  # noqa: F403

Q_CLUSTER = {"name": "bench-defaults", "orm": "default"}
