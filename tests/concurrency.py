"""Calling one thing from several threads at the same moment, each on its own database
connection, as several workers would (row locks need PostgreSQL to mean anything)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def at_once(call: Callable[[], object], *, callers: int = 8) -> tuple[list, list[Exception]]:
    """What each caller got back, and the exceptions raised, once all have finished."""
    results: list = []
    errors: list[Exception] = []
    start = threading.Barrier(callers)

    def caller():
        try:
            start.wait()
            results.append(call())
        except Exception as error:  # noqa: BLE001 - handed to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors
