from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from connections.crypto import token_fernet
from connections.providers.base import TIMEOUT as HTTP_TIMEOUT
from connections.services.budgets import LEAST_WORK, MARGIN, q_timeout_minimum


@register()
def token_keys_are_fernet_keys(app_configs, **kwargs) -> list[Error]:
    """TOKEN_ENCRYPTION_KEYS must parse, or no token could be stored or read."""
    try:
        token_fernet()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="connections.E001")]
    return []


@register()
def task_queue_keeps_its_guarantees(app_configs, **kwargs) -> list[Error]:
    """django-q2 settings under which a task can neither run twice at once nor loop forever."""
    from django.conf import settings

    q = settings.Q_CLUSTER
    errors = []
    if not q.get("timeout") or not q.get("retry") or q["timeout"] >= q["retry"]:
        errors.append(
            Error(
                "Q_CLUSTER['timeout'] must be set and below Q_CLUSTER['retry'], or the broker "
                "hands a running task to a second worker.",
                id="connections.E002",
            )
        )
    minimum = q_timeout_minimum()
    if q.get("timeout") and q["timeout"] < minimum:
        errors.append(
            Error(
                f"Q_TIMEOUT is {q['timeout']} seconds; it must be at least {minimum}: a task keeps "
                f"two provider requests' worth of HTTP timeout (2 × {sum(HTTP_TIMEOUT)} s) and a "
                f"{MARGIN:.0f} s margin after its last {LEAST_WORK:.0f} s of work, or django-q2 "
                "kills it mid-request.",
                id="connections.E009",
            )
        )
    if not isinstance(q.get("max_attempts"), int) or q["max_attempts"] <= 0:
        errors.append(
            Error(
                "Q_CLUSTER['max_attempts'] must be a positive number: a failing task must not be "
                "retried forever.",
                id="connections.E003",
            )
        )
    if q.get("save_limit", 250) > 0:
        errors.append(
            Error(
                "Q_CLUSTER['save_limit'] must be 0 or -1: a positive limit makes every task lock "
                "the whole success table to prune it.",
                id="connections.E004",
            )
        )
    max_age = settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    if max_age is not None and max_age <= 0:
        errors.append(
            Error(
                "DATABASES['default']['CONN_MAX_AGE'] must be positive (or None) so the worker "
                "keeps its database connections instead of reconnecting for every task.",
                id="connections.E005",
            )
        )
    return errors


@register()
def push_settings_are_usable(app_configs, **kwargs) -> list[Error]:
    """WITHINGS_NOTIFY_ALLOWED_NETWORKS must be CIDRs, the Google secret a whole header, and
    the push limits numbers that make sense."""
    import ipaddress

    from django.conf import settings

    errors = []
    for cidr in settings.WITHINGS_NOTIFY_ALLOWED_NETWORKS:
        try:
            ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"WITHINGS_NOTIFY_ALLOWED_NETWORKS: {cidr!r} is not a network such as "
                    "'89.30.121.0/24'.",
                    id="connections.E006",
                )
            )
    authorization = settings.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION
    if authorization and " " not in authorization.strip():
        errors.append(
            Error(
                "GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION must be the whole Authorization header "
                "value, scheme included (for example 'Bearer 9f…').",
                id="connections.E007",
            )
        )
    if settings.PUSH_RECONCILE_HOURS < 1:
        errors.append(Error("PUSH_RECONCILE_HOURS must be at least 1.", id="connections.E008"))
    for name in ("UNSIGNED_PUSH_GAP_SECONDS", "UNSIGNED_PUSH_RUNS_PER_MINUTE"):
        if getattr(settings, name) < 0:
            errors.append(Error(f"{name} must be 0 or more.", id="connections.E010"))
    return errors
