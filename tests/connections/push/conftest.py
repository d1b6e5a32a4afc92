"""Google-style signed push for the tests: a Tink keyset served at a mocked keyset URL.

The keyset and signatures are built here by hand from Tink's wire format (not with the demo
provider's code), so the verifier is checked against the format, not against itself.
"""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import fixture_json

AUTHORIZATION = "Bearer 9f3c-test-subscriber-secret"
KEYSET_URL = "https://www.gstatic.test/googlehealthapi/webhooks/webhooks_public_keyset.json"
HEALTH_USER_ID = fixture_json("google_health", "identity")["healthUserId"]


class TinkKey:
    """An ECDSA P-256 key as a Tink keyset entry, able to sign in Tink's output format."""

    def __init__(self, key_id: int) -> None:
        self.key_id = key_id
        self.private = ec.generate_private_key(ec.SECP256R1())

    def entry(self) -> dict:
        numbers = self.private.public_key().public_numbers()
        x, y = numbers.x.to_bytes(33, "big"), numbers.y.to_bytes(33, "big")
        # EcdsaPublicKey{params(2): {hash_type(1)=SHA256 3, curve(2)=NIST_P256 2,
        # encoding(3)=DER 2}, x(3), y(4)} -- field tags written out by hand.
        value = b"\x12\x06\x08\x03\x10\x02\x18\x02" + b"\x1a\x21" + x + b"\x22\x21" + y
        return {
            "keyData": {
                "typeUrl": "type.googleapis.com/google.crypto.tink.EcdsaPublicKey",
                "value": base64.b64encode(value).decode(),
                "keyMaterialType": "ASYMMETRIC_PUBLIC",
            },
            "status": "ENABLED",
            "keyId": self.key_id,
            "outputPrefixType": "TINK",
        }

    def sign(self, body: bytes) -> str:
        der = self.private.sign(body, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(b"\x01" + self.key_id.to_bytes(4, "big") + der).decode()


def keyset(*keys: TinkKey) -> dict:
    return {"primaryKeyId": keys[-1].key_id, "key": [k.entry() for k in keys]}


def notification(
    *,
    uid: str = HEALTH_USER_ID,
    data_type: str = "exercise",
    operation: str = "UPSERT",
    start: str = "2026-11-29T06:30:00Z",
    end: str = "2026-11-29T07:12:00Z",
) -> dict:
    return {
        "data": {
            "version": "1",
            "clientProvidedSubscriptionName": "tendon",
            "healthUserId": uid,
            "operation": operation,
            "dataType": data_type,
            "intervals": [{"physicalTimeInterval": {"startTime": start, "endTime": end}}],
        }
    }


class GooglePush:
    """Posts notifications to /webhooks/google_health/ as Google would."""

    def __init__(self, post, http, key: TinkKey) -> None:
        self._post, self.http, self.key = post, http, key

    def serve(self, *keys: TinkKey) -> None:
        self.http.add("GET", KEYSET_URL, json=keyset(*keys))

    def keyset_fetches(self) -> int:
        return sum(1 for call in self.http.calls if call.request.url == KEYSET_URL)

    def post(
        self,
        payload,
        *,
        key: TinkKey | None = None,
        authorization=AUTHORIZATION,
        header="GOOGLE-HEALTH-API-SIGNATURE",
        body: bytes | None = None,
    ):
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {header: (key or self.key).sign(raw)} if header else {}
        if authorization:
            headers["Authorization"] = authorization
        return self._post("google_health", raw if body is None else body, **headers)


@pytest.fixture
def google_push(settings, http, webhook_post):
    settings.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION = AUTHORIZATION
    settings.GOOGLE_HEALTH_WEBHOOK_KEYSET_URL = KEYSET_URL
    push = GooglePush(webhook_post, http, TinkKey(0x1A2B3C4D))
    push.serve(push.key)
    return push


@pytest.fixture
def google_activities(logged_in, user, google_connect):
    """The user's Google account connected with the activities feed; returns that connection."""
    from connections.models import Connection

    google_connect(logged_in, feeds=["activities"])
    return Connection.objects.get(user=user, feed="activities")
