"""What push writes to the operator's log: why a push was refused or ignored, never a secret,
a signature or whose data it was."""

from __future__ import annotations

import json
import logging

import pytest

from connections.models import ImportRun, WebhookHint
from tests.connections.push.conftest import AUTHORIZATION, HEALTH_USER_ID, TinkKey, notification

pytestmark = pytest.mark.django_db


def test_no_secret_or_signature_reaches_the_log(google_push, google_activities, caplog):
    caplog.set_level(logging.DEBUG)
    body = json.dumps(notification()).encode()
    forged = TinkKey(0x1A2B3C4D).sign(body)

    answers = [
        google_push.post(body).status_code,
        google_push.post(body, key=TinkKey(0x1A2B3C4D)).status_code,
        google_push.post(body, authorization=AUTHORIZATION + "-guess").status_code,
        google_push.post(body, header="X-HEALTHAPI-SIGNATURE").status_code,
    ]

    assert answers == [204, 401, 401, 204]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Push from google_health refused: bad_signature" in logged
    assert "Push from google_health refused: wrong_authorization" in logged
    secret = AUTHORIZATION.removeprefix("Bearer ")
    for value in (secret, google_push.key.sign(body), forged, body.decode()):
        assert value not in logged
    assert ImportRun.objects.count() == 1


def test_a_hint_for_an_unknown_account_is_logged_at_info_without_the_account(
    google_push, google_activities, caplog
):
    caplog.set_level(logging.INFO, logger="connections")

    assert google_push.post(notification(uid="someone-else-7731")).status_code == 204

    (record,) = [r for r in caplog.records if r.name == "connections.services.push"]
    assert record.levelno == logging.INFO
    assert record.getMessage() == "Push from google_health (exercise) ignored: unknown_account"
    assert "someone-else-7731" not in caplog.text and HEALTH_USER_ID not in caplog.text
    assert WebhookHint.objects.get().reason == "unknown_account"
    assert ImportRun.objects.count() == 0
