"""Tink ECDSA signatures, checked against the format itself and a key Google published."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from connections.providers.google_health import signature
from tests.connections.push.conftest import TinkKey, keyset

# keyData.value of a key in Google's webhooks_public_keyset.json (public key material).
GOOGLE_PUBLISHED_KEY = (
    "EgYIAxACGAIaIQBDWg3kaiabjtrVXbSSbcn6e3QqiCLD+B4GuhC/Z1C6miIhACarm0VQv9WjNZG/AB0itXCIGFW5ddIn"
    "mBFUjK/8w0v3"
)


def test_a_key_google_published_reads_as_a_p256_point():
    key = signature.ecdsa_public_key(base64.b64decode(GOOGLE_PUBLISHED_KEY))

    assert key.encoding == signature.DER
    assert key.key.curve.name == "secp256r1"
    assert key.key.public_numbers().x.bit_length() <= 256


def test_a_truncated_key_protobuf_is_refused():
    with pytest.raises(ValueError):
        signature.ecdsa_public_key(base64.b64decode(GOOGLE_PUBLISHED_KEY)[:40])


def test_a_keyset_skips_disabled_raw_and_unreadable_keys():
    usable, disabled, raw, broken = TinkKey(1), TinkKey(2), TinkKey(3), TinkKey(4)
    document = keyset(usable, disabled, raw, broken)
    document["key"][1]["status"] = "DISABLED"
    document["key"][2]["outputPrefixType"] = "RAW"
    document["key"][3]["keyData"]["value"] = "bm90IGEga2V5"

    assert list(signature.parse_keyset(json.dumps(document))) == [1]


def test_a_signature_in_ieee_p1363_encoding_verifies_with_such_a_key():
    key = TinkKey(7)
    entry = key.entry()
    value = bytearray(base64.b64decode(entry["keyData"]["value"]))
    value[7] = 1  # EcdsaParams.encoding = IEEE_P1363
    entry["keyData"]["value"] = base64.b64encode(bytes(value)).decode()
    (public,) = signature.parse_keyset(json.dumps({"primaryKeyId": 7, "key": [entry]})).values()
    r, s = decode_dss_signature(key.private.sign(b"body", ec.ECDSA(hashes.SHA256())))

    signature.check(b"body", r.to_bytes(32, "big") + s.to_bytes(32, "big"), public)
    with pytest.raises(signature.Unverifiable):
        signature.check(b"other body", r.to_bytes(32, "big") + s.to_bytes(32, "big"), public)


@pytest.mark.parametrize(
    "header", ["", "not base64 !!", base64.b64encode(b"\x00\x00\x00\x00\x01sig").decode()]
)
def test_a_header_that_is_not_tink_output_is_a_bad_signature(header):
    with pytest.raises(signature.Unverifiable) as refused:
        signature.split_signature(header)

    assert refused.value.reason == "bad_signature"


def test_a_notification_with_only_a_civil_interval_is_widened_to_cover_any_time_zone():
    from datetime import UTC, datetime

    from connections.providers.google_health.webhook import parse_notifications

    (hint,) = parse_notifications(
        {
            "data": {
                "healthUserId": "u1",
                "dataType": "weight",
                "operation": "DELETE",
                "civilIso8601TimeInterval": {
                    "startTime": "2026-11-29T07:12:00",
                    "endTime": "2026-11-29T07:12:00",
                },
            }
        }
    )

    assert (hint.feeds, hint.operation) == (("body",), "delete")
    assert hint.start == datetime(2026, 11, 28, 17, 12, tzinfo=UTC)
    assert hint.end == datetime(2026, 11, 29, 21, 12, tzinfo=UTC)
