"""Strava's one push subscription per application: show, create, delete (manage.py
strava_webhook). Requests carry the application's client id and secret, not a person's token.

Reference: https://developers.strava.com/docs/webhooks/ . Creating it makes Strava send a GET
to the callback URL (hub.mode=subscribe, hub.challenge, hub.verify_token), which must echo the
challenge within two seconds: the web process must be up, with STRAVA_WEBHOOK_VERIFY_TOKEN set.
"""

from __future__ import annotations

from connections.providers.base import BadResponse
from connections.providers.strava.client import StravaClient

PATH = "/v3/push_subscriptions"


def _credentials(client: StravaClient) -> dict[str, str]:
    return {"client_id": client.config.client_id, "client_secret": client.config.client_secret}


def subscriptions(client: StravaClient) -> list[dict]:
    """The application's push subscriptions (Strava allows one)."""
    # Reference: https://developers.strava.com/docs/webhooks/#view-a-subscription
    body = client.checked(client.request("GET", PATH, params=_credentials(client)), PATH)
    return [s for s in body if isinstance(s, dict)] if isinstance(body, list) else []


def subscribe(client: StravaClient, *, callback_url: str, verify_token: str) -> int:
    """The new subscription's id; BadResponse with Strava's words when it refuses."""
    # Reference: https://developers.strava.com/docs/webhooks/#create-a-subscription
    response = client.request(
        "POST",
        PATH,
        data={**_credentials(client), "callback_url": callback_url, "verify_token": verify_token},
    )
    if response.status_code >= 400:
        try:
            detail = response.json()
        except ValueError:
            detail = response.text[:300]
        raise BadResponse(f"Strava refused the subscription ({response.status_code}): {detail}")
    body = client.checked(response, PATH)
    if not isinstance(body, dict) or not isinstance(body.get("id"), int):
        raise BadResponse("Strava created the subscription without saying its id.")
    return body["id"]


def unsubscribe(client: StravaClient, *, subscription_id: int) -> None:
    # Reference: https://developers.strava.com/docs/webhooks/#delete-a-subscription
    path = f"{PATH}/{subscription_id}"
    response = client.request("DELETE", path, params=_credentials(client))
    if response.status_code not in (200, 204):
        raise BadResponse(f"Strava answered {response.status_code} to the deletion.")
