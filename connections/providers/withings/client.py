"""Withings: OAuth 2.0 with its own twists, and the Withings data API.

Every answer comes wrapped as {"status": 0, "body": {...}}; a non-zero status is a failure even
when the HTTP status is 200. The token endpoint wants action=requesttoken and rotates the refresh
token on every refresh: the old one stops working as soon as the new one is issued.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables

from connections.providers.base import (
    AccessRejected,
    BadResponse,
    Budget,
    FeedPage,
    GrantRevoked,
    Identity,
    ProviderUnavailable,
    RateLimited,
    TokenSet,
    json_object,
    send,
)
from connections.providers.oauth2 import OAuth2TokenClient
from connections.providers.reading import RecordReader
from connections.providers.withings import normalise

# Reference: https://developer.withings.com/api-reference/#tag/response-status
AUTHENTICATION_FAILED = {100, 101, 102, 200, 401}
TOO_MANY_REQUESTS = 601
UNKNOWN_ERROR = 2555


class WithingsClient(OAuth2TokenClient):
    scope_delimiter = ","
    budget: Budget | None = None

    @method_decorator(sensitive_variables())
    def fetch_feed(
        self, *, access_token: str, feed: str, start: datetime, end: datetime, token: str | None
    ) -> FeedPage:
        """One page of feed's records changed or dated in [start, end); token resumes."""
        offset = token or "0"
        if feed == "body":
            # Reference: https://developer.withings.com/api-reference/#tag/measure/operation/measure-getmeas
            body = self.call(
                f"{self.config.api_url.rstrip('/')}/measure",
                {
                    "action": "getmeas",
                    "meastypes": f"{normalise.WEIGHT},{normalise.FAT_RATIO}",
                    "category": "1",
                    "lastupdate": str(int(start.timestamp())),
                    "offset": offset,
                },
                access_token=access_token,
            )
            reading = RecordReader(kind="body", id_field="grpid")
            records = reading.each(normalise.measure_group, self._items(body, "measuregrps"))
        elif feed == "daily":
            # Reference: https://developer.withings.com/api-reference/#tag/measure/operation/measurev2-getactivity
            body = self.call(
                f"{self.config.api_url.rstrip('/')}/v2/measure",
                {
                    "action": "getactivity",
                    "startdateymd": f"{start:%Y-%m-%d}",
                    "enddateymd": f"{end:%Y-%m-%d}",
                    "data_fields": "steps,distance,totalcalories,moderate,intense",
                    "offset": offset,
                },
                access_token=access_token,
            )
            reading = RecordReader(kind="daily", id_field="date")
            records = reading.each(normalise.activity_day, self._items(body, "activities"))
        else:
            raise BadResponse(f"{self.name} has no {feed} feed in Tendon.")
        more = bool(body.get("more"))
        return FeedPage(
            records=records,
            next_token=str(body.get("offset", 0)) if more else None,
            api_calls=1,
            unreadable=reading.unreadable,
        )

    def _items(self, body: dict, name: str) -> list[dict]:
        """The answer's list of items (none when it left the list out)."""
        items = body.get(name) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BadResponse(f"{self.name} sent {name} that is not a list of objects.")
        return items

    @method_decorator(sensitive_variables())
    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """Tokens for an authorization code; GrantRevoked if Withings refuses the code."""
        # Reference: https://developer.withings.com/api-reference/#tag/oauth2/operation/oauth2-getaccesstoken
        data = {
            "action": "requesttoken",
            "grant_type": "authorization_code",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "code": code,
            "redirect_uri": redirect_uri,
        }
        return self._withings_token_request(data, previous_refresh_token="")

    @method_decorator(sensitive_variables())
    def refresh(self, *, refresh_token: str) -> TokenSet:
        """New tokens; Withings rotates the refresh token, so the returned one must be stored."""
        # Reference: https://developer.withings.com/api-reference/#tag/oauth2/operation/oauth2-refreshaccesstoken
        data = {
            "action": "requesttoken",
            "grant_type": "refresh_token",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "refresh_token": refresh_token,
        }
        return self._withings_token_request(data, previous_refresh_token=refresh_token)

    @method_decorator(sensitive_variables())
    def _withings_token_request(
        self, data: dict[str, str], *, previous_refresh_token: str
    ) -> TokenSet:
        body = self.call(self.config.token_url, data)
        tokens = self.token_set(body, previous_refresh_token=previous_refresh_token)
        userid = body.get("userid")
        if userid in (None, ""):
            raise BadResponse(f"{self.name} did not say which account this is (no userid).")
        return TokenSet(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scopes=tokens.scopes,
            claims={"userid": str(userid)},
        )

    def identity(self, tokens: TokenSet) -> Identity:
        """The Withings account behind these tokens (its userid came with the tokens)."""
        userid = tokens.claims.get("userid", "")
        return Identity(uid=userid, label=f"Withings user {userid}", extra_data={"userid": userid})

    @method_decorator(sensitive_variables())
    def revoke(self, *, access_token: str, refresh_token: str, account_uid: str) -> None:
        """Ask Withings to revoke our access to the account (it revokes by user id, signed)."""
        # Reference: https://developer.withings.com/api-reference/#tag/oauth2/operation/oauth2-revoke
        nonce = self._nonce()
        self.call(
            self.config.revoke_url,
            {
                "action": "revoke",
                "client_id": self.config.client_id,
                "nonce": nonce,
                "signature": self._sign("revoke", self.config.client_id, nonce),
                "userid": account_uid,
            },
        )

    def push_subscribe(
        self, *, access_token: str, callback_url: str, feeds: list[str]
    ) -> list[int]:
        """Subscribes the account to the notifications its feeds need; returns the applis.

        Withings checks callback_url (HEAD) before it accepts; raises like every call.
        """
        from connections.providers.withings.webhook import APPLI_FEEDS, USER_EVENTS

        wanted = {appli for appli, fed in APPLI_FEEDS.items() if set(fed) & set(feeds)}
        applis = sorted(wanted | {USER_EVENTS})
        for appli in applis:
            # Reference: https://developer.withings.com/api-reference/#tag/notify/operation/notify-subscribe
            self.call(
                f"{self.config.api_url.rstrip('/')}/notify",
                {
                    "action": "subscribe",
                    "callbackurl": callback_url,
                    "appli": str(appli),
                    "comment": "Tendon",
                },
                access_token=access_token,
            )
        return applis

    def push_unsubscribe(self, *, access_token: str, callback_url: str, applis: list[int]) -> None:
        """Revokes the account's notification subscriptions (one that is gone already is fine)."""
        for appli in applis:
            try:
                # Reference: https://developer.withings.com/api-reference/#tag/notify/operation/notify-revoke
                self.call(
                    f"{self.config.api_url.rstrip('/')}/notify",
                    {"action": "revoke", "callbackurl": callback_url, "appli": str(appli)},
                    access_token=access_token,
                )
            except BadResponse:
                continue  # e.g. "no such subscription": nothing left to revoke

    def _nonce(self) -> str:
        # Reference: https://developer.withings.com/api-reference/#tag/signature/operation/signaturev2-getnonce
        timestamp = str(int(time.time()))
        body = self.call(
            f"{self.config.api_url.rstrip('/')}/v2/signature",
            {
                "action": "getnonce",
                "client_id": self.config.client_id,
                "timestamp": timestamp,
                "signature": self._sign("getnonce", self.config.client_id, timestamp),
            },
        )
        nonce = body.get("nonce")
        if not isinstance(nonce, str):
            raise BadResponse(f"{self.name} did not send the nonce a signed request needs.")
        return nonce

    def _sign(self, *values: str) -> str:
        message = ",".join(values).encode()
        return hmac.new(self.config.client_secret.encode(), message, hashlib.sha256).hexdigest()

    @method_decorator(sensitive_variables())
    def call(self, url: str, data: dict[str, str], *, access_token: str = "") -> dict[str, Any]:
        """The `body` of a Withings answer; raises by its `status` when it is not 0."""
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        response = send(
            self.session, "POST", url, provider_name=self.name, data=data, headers=headers
        )
        self.budget = Budget.from_headers(response.headers) or self.budget
        envelope = json_object(response, provider_name=self.name)
        status = envelope.get("status")
        if status == 0:
            body = envelope.get("body")
            if not isinstance(body, dict):
                raise BadResponse(f"{self.name} answered status 0 without a body.")
            return body
        error = str(envelope.get("error") or "no message")
        if access_token and status in AUTHENTICATION_FAILED:
            raise AccessRejected(f"{self.name} refused our access token (status {status}).")
        if status in AUTHENTICATION_FAILED or (
            status == 503 and any(w in error.lower() for w in ("code", "refresh_token", "grant"))
        ):
            raise GrantRevoked(f"{self.name} refused our access (status {status}: {error}).")
        if status == TOO_MANY_REQUESTS:
            raise RateLimited(
                f"{self.name} asked us to slow down.",
                retry_at=timezone.now() + timedelta(minutes=1),
            )
        if status == UNKNOWN_ERROR or (isinstance(status, int) and 500 <= status < 600):
            raise ProviderUnavailable(f"{self.name} failed to answer (status {status}: {error}).")
        raise BadResponse(f"{self.name} answered status {status}: {error}.")
