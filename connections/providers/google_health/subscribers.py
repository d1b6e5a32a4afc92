"""The Google Health API subscriber: where Google sends notifications for this Tendon.

One subscriber serves every user (subscription policy AUTOMATIC: Google notifies for everyone
who granted the data types' scopes). Created once by an operator with a service account of the
Google Cloud project (scope cloud-platform), through projects.subscribers.create.
Shapes: health.v4.json (CreateSubscriberPayload, SubscriberConfig, EndpointAuthorization).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connections.providers.base import BadResponse, json_object, new_session, send
from connections.providers.google_health.client import DAILY_ROLLUPS, FEED_DATA_TYPES

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def data_types() -> list[str]:
    """Every data type Tendon's feeds read, kebab-case as the subscriber wants them."""
    types = {t for feed_types in FEED_DATA_TYPES.values() for t in feed_types}
    return sorted(types | set(DAILY_ROLLUPS))


def subscriber_payload(*, endpoint_uri: str, authorization: str) -> dict[str, Any]:
    """A CreateSubscriberPayload for Tendon's webhook."""
    return {
        "endpointUri": endpoint_uri,
        "subscriberConfigs": [
            {"dataTypes": data_types(), "subscriptionCreatePolicy": "AUTOMATIC"},
        ],
        "endpointAuthorization": {"secret": authorization},
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def service_account_token(key: dict[str, str], *, session=None) -> str:
    """An access token (scope cloud-platform) for a service account's JSON key.

    Raises BadResponse (or the transport's errors) when Google refuses.
    """
    # Reference: https://developers.google.com/identity/protocols/oauth2/service-account#httprest
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": key.get("private_key_id", "")}
    claims = {
        "iss": key["client_email"],
        "scope": CLOUD_PLATFORM,
        "aud": key["token_uri"],
        "iat": now,
        "exp": now + 3600,
    }
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    private = serialization.load_pem_private_key(key["private_key"].encode(), password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise BadResponse("The service account key is not an RSA key.")
    signed = private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    response = send(
        session or new_session(),
        "POST",
        key["token_uri"],
        provider_name="Google",
        data={"grant_type": JWT_BEARER, "assertion": f"{signing_input}.{_b64url(signed)}"},
    )
    body = json_object(response, provider_name="Google")
    if response.status_code != 200 or not body.get("access_token"):
        raise BadResponse(
            f"Google refused the service account: {body.get('error', response.status_code)}."
        )
    return str(body["access_token"])


def create_subscriber(
    *,
    api_url: str,
    project: str,
    subscriber_id: str,
    payload: dict[str, Any],
    access_token: str,
    session=None,
) -> dict[str, Any]:
    """The long-running Operation Google answers to projects.subscribers.create.

    Google verifies the endpoint while creating (two POSTs with {"type": "verification"}).
    Raises BadResponse with Google's message when it refuses.
    """
    # Reference: https://developers.google.com/health/reference/rest/v4/projects.subscribers/create
    response = send(
        session or new_session(),
        "POST",
        f"{api_url.rstrip('/')}/v4/projects/{project}/subscribers",
        provider_name="Google",
        params={"subscriberId": subscriber_id},
        json=payload,
        headers={"Authorization": f"Bearer {access_token}"},
    )
    body = json_object(response, provider_name="Google")
    if response.status_code != 200:
        message = (
            (body.get("error") or {}).get("message")
            if isinstance(body.get("error"), dict)
            else None
        )
        raise BadResponse(f"Google answered {response.status_code}: {message or 'no message'}")
    return body
