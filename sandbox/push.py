"""The demo provider pushes as Google does: a signed notification to /webhooks/demo/.

Its ECDSA P-256 key is made once per checkout and kept in var/ (never in the repository); the
public half is served as a Tink JSON keyset at /sandbox/api/webhooks/keyset.json. Signatures are
Tink's wire format: 0x01, the 4-byte key id, then the DER signature of the raw body.
Reference: https://developers.google.com/tink/wire-format; shapes: connections/providers/
google_health/webhook.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction

from connections.providers.demo.webhook import demo_authorization

logger = logging.getLogger(__name__)

DELIVER_TASK = "sandbox.tasks.deliver_notification"
TIMEOUT = (3, 10)


def key_path() -> Path:
    return Path(settings.BASE_DIR) / "var" / "sandbox-push-key.pem"


@lru_cache(maxsize=1)
def _private_key(path: str) -> ec.EllipticCurvePrivateKey:
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:  # O_EXCL: two processes starting at once keep the same key
            descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
    key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{file} does not hold an EC private key")
    return key


def private_key() -> ec.EllipticCurvePrivateKey:
    return _private_key(str(key_path()))


def key_id(public_key: ec.EllipticCurvePublicKey) -> int:
    """A stable 32-bit id for a public key (Tink ids are arbitrary; never 0)."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return int.from_bytes(hashlib.sha256(der).digest()[:4], "big") or 1


def _field(number: int, payload: bytes | int) -> bytes:
    """One protobuf field: varint (int) or length-delimited (bytes); sizes here are small."""
    if isinstance(payload, int):
        return bytes([number << 3, payload])
    return bytes([(number << 3) | 2, len(payload)]) + payload


def tink_keyset(public_key: ec.EllipticCurvePublicKey) -> dict:
    """The public key as a Tink JSON keyset (EcdsaPublicKey: P-256, SHA-256, DER, TINK prefix)."""
    numbers = public_key.public_numbers()
    params = _field(1, 3) + _field(2, 2) + _field(3, 2)  # SHA256, NIST_P256, DER
    value = (
        _field(2, params)
        + _field(3, numbers.x.to_bytes(33, "big"))  # Tink keeps a leading zero byte
        + _field(4, numbers.y.to_bytes(33, "big"))
    )
    ident = key_id(public_key)
    return {
        "primaryKeyId": ident,
        "key": [
            {
                "keyData": {
                    "typeUrl": "type.googleapis.com/google.crypto.tink.EcdsaPublicKey",
                    "value": base64.b64encode(value).decode(),
                    "keyMaterialType": "ASYMMETRIC_PUBLIC",
                },
                "status": "ENABLED",
                "keyId": ident,
                "outputPrefixType": "TINK",
            }
        ],
    }


def sign(body: bytes, key: ec.EllipticCurvePrivateKey) -> str:
    """The signature header value for body: base64 of 0x01 | key id | DER ECDSA signature."""
    prefix = b"\x01" + key_id(key.public_key()).to_bytes(4, "big")
    return base64.b64encode(prefix + key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


def notification(
    *, uid: str, data_type: str, operation: str, start: datetime, end: datetime
) -> bytes:
    """A notification body in the Google Health webhook shape."""

    def rfc3339(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def civil(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S")

    return json.dumps(
        {
            "data": {
                "version": "1",
                "clientProvidedSubscriptionName": "tendon-demo",
                "healthUserId": uid,
                "operation": operation,
                "dataType": data_type,
                "intervals": [
                    {
                        "physicalTimeInterval": {
                            "startTime": rfc3339(start),
                            "endTime": rfc3339(end),
                        },
                        "civilIso8601TimeInterval": {
                            "startTime": civil(start),
                            "endTime": civil(end),
                        },
                    }
                ],
            }
        }
    ).encode()


def push_change(*, uid: str, data_type: str, operation: str, start: datetime, end: datetime):
    """Sends the notification for a change from the worker, after the change is committed."""
    body = notification(uid=uid, data_type=data_type, operation=operation, start=start, end=end)

    def enqueue() -> None:
        from django_q.tasks import async_task

        async_task(DELIVER_TASK, body.decode(), group="sandbox")

    transaction.on_commit(enqueue)


def deliver(body: bytes, *, url: str | None = None) -> int:
    """POSTs a signed notification to Tendon's demo webhook; returns the HTTP status."""
    url = url or settings.SITE_URL + "/webhooks/demo/"
    response = requests.post(
        url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "Authorization": demo_authorization(),
            "GOOGLE-HEALTH-API-SIGNATURE": sign(body, private_key()),
        },
        timeout=TIMEOUT,
    )
    if response.status_code != 204:
        logger.warning("The demo's push was answered %s", response.status_code)
    return response.status_code
