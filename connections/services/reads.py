"""Reading from a provider with a connection's grant: a page of its feed, or one record by its
key. One way for both: the access token from the one token door (DESIGN.md rule 1), a 401 gets
one refresh before it counts as permanent, and failures that need the person flag the grant
(rule 2).
"""

from __future__ import annotations

from collections.abc import Callable

from connections.models import Connection, Credential
from connections.providers.base import (
    AccessRejected,
    ApiRetired,
    FeedPage,
    GrantRevoked,
    PersonMustAct,
)
from connections.services.flags import credential_flag
from connections.services.tokens import (
    NeedsReauthorization,
    credential_get_access_token,
    credential_token_rejected,
)


def feed_page(
    client, connection: Connection, *, start, end, token, just_read: bool = False
) -> FeedPage:
    """A page of connection's feed in [start, end); a 401 gets one refresh before it counts
    as permanent (where the provider issues no refresh token, the 401 is final). `just_read`:
    the connection's credential was read moments ago, as the run started (JUST_READ)."""
    arguments = {"feed": connection.feed, "start": start, "end": end, "token": token}
    return _read(
        connection,
        lambda access_token: client.fetch_feed(access_token=access_token, **arguments),
        just_read=just_read,
    )


def record_page(client, connection: Connection, *, key: str) -> FeedPage:
    """The record of connection's feed stored at the provider under key, if the provider gives
    it as the account's own (a page of one record, or none); errors as feed_page's. Only for a
    provider that reads records by key (`ProviderSpec.records_by_key`)."""
    return _read(
        connection,
        lambda access_token: client.fetch_record(
            access_token=access_token,
            feed=connection.feed,
            key=key,
            account_uid=connection.account_uid,
        ),
    )


def _read(
    connection: Connection, request: Callable[[str], FeedPage], *, just_read: bool = False
) -> FeedPage:
    credential = connection.credential
    try:
        return request(credential_get_access_token(credential=credential, just_read=just_read))
    except AccessRejected as rejected:
        token = credential_token_rejected(credential=credential, error=rejected)
        try:
            return request(token)
        except AccessRejected as error:
            credential_flag(credential=credential, reason=f"{error} (after a refresh)")
            raise NeedsReauthorization(str(error)) from error
    except ApiRetired as error:
        credential_flag(
            credential=credential, reason=str(error), cause=Credential.FlagCause.RETIRED
        )
        raise NeedsReauthorization(str(error)) from error
    except PersonMustAct as error:
        # Not a dead grant: the provider waits for the person (its words say what to do).
        credential_flag(
            credential=credential,
            reason=str(error),
            cause=Credential.FlagCause.PERSON,
            note=error.action,
        )
        raise NeedsReauthorization(str(error)) from error
    except GrantRevoked as error:
        if isinstance(error, NeedsReauthorization):
            raise
        credential_flag(credential=credential, reason=str(error))
        raise NeedsReauthorization(str(error)) from error
