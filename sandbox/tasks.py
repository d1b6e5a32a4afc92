"""The demo provider's push, delivered from the worker as a real provider's would be."""

from sandbox.push import deliver


def deliver_notification(body: str) -> int:
    return deliver(body.encode())
