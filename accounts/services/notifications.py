"""E-mails to people about their connections: once per incident, with the one fix."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

logger = logging.getLogger(__name__)


def notify_reconnect_needed(*, credential_id: int) -> bool:
    """E-mails the user that a connection needs them; True if sent. At most once per incident."""
    from connections.models import Credential
    from connections.providers import PROVIDERS
    from connections.selectors import attention_items

    with transaction.atomic():
        credential = (
            Credential.objects.select_for_update().select_related("user").get(pk=credential_id)
        )
        if credential.status != Credential.Status.NEEDS_REAUTH or credential.notified_at:
            return False
        credential.notified_at = timezone.now()
        credential.save(update_fields=["notified_at", "updated_at"])
    user = credential.user
    if not user.notify_by_email:
        return False
    spec = PROVIDERS.get(credential.provider)
    name = spec.short_name if spec else credential.provider
    item = next((i for i in attention_items(user=user) if i.name == name), None)
    first = credential.connections.order_by("pk").first()
    path = reverse("connection_detail", args=[first.pk]) if first else reverse("connect")
    from connections.services.flags import flag_message

    context = {
        "why": flag_message(
            credential=credential, cause=credential.flag_cause, note=credential.flag_note
        ),
        "name": name,
        "owner": spec.account_owner if spec else name,
        "account": credential.account_label,
        "since": item.since if item else "recently",
        "connect_url": f"{settings.SITE_URL}{path}",
        "preferences_url": f"{settings.SITE_URL}{reverse('notification_preferences')}",
        "user": user,
    }
    send_mail(
        subject=f"Reconnect {name} to keep your data flowing",
        message=render_to_string("email/reconnect_needed.txt", context),
        html_message=render_to_string("email/reconnect_needed.html", context),
        from_email=None,
        recipient_list=[user.email],
    )
    logger.info("Told user %s to reconnect credential %s", user.pk, credential.pk)
    return True


def notify_access_ending(*, credential_id: int) -> bool:
    """E-mails the user that a grant Tendon cannot renew ends soon; True if sent. Called once
    per grant (connections/services/expiry.py records that it was told)."""
    from connections.messages import access_ending
    from connections.models import Credential
    from connections.providers import PROVIDERS

    credential = (
        Credential.objects.select_related("user")
        .filter(pk=credential_id, status=Credential.Status.ACTIVE)
        .first()
    )
    spec = PROVIDERS.get(credential.provider) if credential else None
    if credential is None or spec is None or credential.expires_at is None:
        return False
    user = credential.user
    if not user.notify_by_email:
        return False
    first = credential.connections.order_by("pk").first()
    path = reverse("connection_detail", args=[first.pk]) if first else reverse("connect")
    day = date_format(timezone.localtime(credential.expires_at), "j F")
    context = {
        "why": access_ending(spec, ends=credential.expires_at),
        "name": spec.short_name,
        "connect_url": f"{settings.SITE_URL}{path}",
        "preferences_url": f"{settings.SITE_URL}{reverse('notification_preferences')}",
        "user": user,
    }
    send_mail(
        subject=f"Reconnect {spec.short_name} before {day} to keep your data flowing",
        message=render_to_string("email/access_ending.txt", context),
        html_message=render_to_string("email/access_ending.html", context),
        from_email=None,
        recipient_list=[user.email],
    )
    logger.info("Told user %s that credential %s ends soon", user.pk, credential.pk)
    return True
