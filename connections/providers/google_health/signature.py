"""Google Health webhook signatures: Tink ECDSA P-256 with SHA-256 over the raw body.

The signature header holds base64 of Tink's wire format: a 5-byte prefix (0x01, then the
signing key's 4-byte big-endian id) followed by the DER-encoded ECDSA signature. The public keys
are a Tink keyset in JSON; each key's `keyData.value` is a binary EcdsaPublicKey protobuf
(version = 1, params = 2 {hash_type = 1, curve = 2, encoding = 3}, x = 3, y = 4).
Reference: https://developers.google.com/tink/wire-format (output prefix, ECDSA encoding) and
tink-crypto/tink proto/tink.proto, proto/ecdsa.proto, proto/common.proto (field numbers).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.cache import cache

from connections.providers.base import ProviderError, new_session, send

logger = logging.getLogger(__name__)

ECDSA_PUBLIC_KEY = "type.googleapis.com/google.crypto.tink.EcdsaPublicKey"
TINK_PREFIX = 0x01
SHA256, NIST_P256 = 3, 2  # common.proto HashType, EllipticCurveType
IEEE_P1363, DER = 1, 2  # ecdsa.proto EcdsaSignatureEncoding
KEYSET_MAX_AGE = 24 * 3600  # seconds: Google rotates keys; never trust a copy older than a day
REFETCH_COOLDOWN = 60  # seconds between fetches caused by an unknown key id, across processes
FETCH_TIMEOUT = (3, 5)  # a webhook answer must not wait long on the keyset


class Unverifiable(Exception):
    """The signature does not prove the body came from the keyset's owner. `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PublicKey:
    key: ec.EllipticCurvePublicKey
    encoding: int  # DER or IEEE_P1363


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def protobuf_fields(data: bytes) -> dict[int, int | bytes]:
    """The varint and length-delimited fields of a small protobuf message, by field number."""
    fields: dict[int, int | bytes] = {}
    at = 0
    while at < len(data):
        tag, at = _varint(data, at)
        number, wire_type = tag >> 3, tag & 7
        if wire_type == 0:
            fields[number], at = _varint(data, at)
        elif wire_type == 2:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise ValueError("truncated field")
            fields[number], at = data[at : at + length], at + length
        else:
            raise ValueError(f"unexpected wire type {wire_type}")
    return fields


def ecdsa_public_key(value: bytes) -> PublicKey:
    """The P-256 public key an EcdsaPublicKey protobuf holds; ValueError for anything else."""
    fields = protobuf_fields(value)
    params = protobuf_fields(fields.get(2, b""))  # type: ignore[arg-type]
    if params.get(1) != SHA256 or params.get(2) != NIST_P256:
        raise ValueError("not an ECDSA P-256 / SHA-256 key")
    encoding = params.get(3, DER)
    if encoding not in (DER, IEEE_P1363):
        raise ValueError("unknown signature encoding")
    x, y = fields.get(3), fields.get(4)
    if not isinstance(x, bytes) or not isinstance(y, bytes):
        raise ValueError("no coordinates")
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
    )
    return PublicKey(key=numbers.public_key(), encoding=int(encoding))  # checks the point


@lru_cache(maxsize=8)
def parse_keyset(text: str) -> dict[int, PublicKey]:
    """The enabled ECDSA keys of a Tink JSON keyset, by key id. Keys we cannot use are skipped."""
    try:
        keyset = json.loads(text)
        entries = keyset["key"]
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError("not a Tink JSON keyset") from error
    keys: dict[int, PublicKey] = {}
    for entry in entries if isinstance(entries, list) else []:
        try:
            if entry.get("status") != "ENABLED" or entry.get("outputPrefixType") != "TINK":
                continue
            data = entry["keyData"]
            if data.get("typeUrl") != ECDSA_PUBLIC_KEY:
                continue
            keys[int(entry["keyId"])] = ecdsa_public_key(base64.b64decode(data["value"]))
        except (KeyError, TypeError, ValueError, AttributeError, binascii.Error):
            logger.warning("Skipped a key of the webhook keyset that we cannot read")
    return keys


def split_signature(header: str) -> tuple[int, bytes]:
    """(key id, signature) from the header's base64 Tink output; Unverifiable if malformed."""
    try:
        raw = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        try:
            raw = base64.urlsafe_b64decode(header.strip())
        except (binascii.Error, ValueError):
            raise Unverifiable("bad_signature") from None
    if len(raw) < 6 or raw[0] != TINK_PREFIX:
        raise Unverifiable("bad_signature")
    return int.from_bytes(raw[1:5], "big"), raw[5:]


def check(body: bytes, signature: bytes, key: PublicKey) -> None:
    """Returns if signature signs body with key; Unverifiable otherwise."""
    if key.encoding == IEEE_P1363:
        if len(signature) != 64:
            raise Unverifiable("bad_signature")
        signature = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
    try:
        key.key.verify(signature, body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise Unverifiable("bad_signature") from None


def _cache_key(url: str) -> str:
    return "tendon:webhook-keyset:" + hashlib.sha256(url.encode()).hexdigest()[:24]


def _fetch(url: str, *, provider_name: str) -> str:
    # Reference: https://developers.google.com/health/webhooks (the public keyset)
    response = send(new_session(), "GET", url, provider_name=provider_name, timeout=FETCH_TIMEOUT)
    if response.status_code != 200:
        raise ProviderError(f"{provider_name}'s webhook keyset answered {response.status_code}.")
    text = response.text
    parse_keyset(text)  # refuse to cache something that is not a keyset
    max_age = KEYSET_MAX_AGE
    for part in response.headers.get("Cache-Control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "max-age" and value.isdigit():
            max_age = max(60, min(max_age, int(value)))
    # The cache is shared by every process (settings: CACHE_URL), so one fetch serves them all.
    cache.set(_cache_key(url), {"text": text, "fetched": time.time()}, timeout=max_age)
    return text


def verify(body: bytes, header: str | None, *, keyset_url: str, provider_name: str) -> None:
    """Returns if header is a valid signature of body by a key of the keyset at keyset_url.

    The keyset is cached for at most a day. A key id it does not hold (Google rotated its keys)
    fetches it again, at most once a minute across all processes, never once per request.
    Raises Unverifiable with the reason: no_signature, bad_signature, unknown_key,
    keyset_unavailable.
    """
    if not header:
        raise Unverifiable("no_signature")
    key_id, signature = split_signature(header)
    cached = cache.get(_cache_key(keyset_url))
    keys = parse_keyset(cached["text"]) if cached else {}
    if key_id not in keys:
        if cached is None and cache.get(_cache_key(keyset_url) + ":down"):
            raise Unverifiable("keyset_unavailable")  # it failed moments ago: do not pile on
        if cached is not None and not _claim_refetch(keyset_url):
            raise Unverifiable("unknown_key")
        try:
            keys = parse_keyset(_fetch(keyset_url, provider_name=provider_name))
        except (ProviderError, ValueError) as error:
            logger.warning("Could not fetch %s's webhook keyset: %s", provider_name, error)
            cache.set(_cache_key(keyset_url) + ":down", 1, timeout=REFETCH_COOLDOWN // 2)
            raise Unverifiable("keyset_unavailable") from error
        if key_id not in keys:
            raise Unverifiable("unknown_key")
    check(body, signature, keys[key_id])


def _claim_refetch(url: str) -> bool:
    """True for the one caller (per cooldown, across processes) that may fetch again."""
    return cache.add(_cache_key(url) + ":refetch", 1, timeout=REFETCH_COOLDOWN)
