"""What the Enable page shows: the feeds to choose, the feeds a working grant already imports,
and exactly the permissions the provider's consent screen is about to ask for (UX.md, Enable).

It follows services/authorization.py: a provider with incremental authorization (Google's
include_granted_scopes) asks only for what the grant lacks; any other asks again for every
feed the account already uses, since the new grant replaces the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connections.models import Credential, Feed
from connections.providers.catalog import Permission, ProviderSpec
from connections.selectors import connection_status


@dataclass(frozen=True)
class FeedChoice:
    feed: str
    label: str
    description: str  # what it imports, in a person's words
    permissions: list[Permission]
    allowed: bool  # a working grant already imports it: shown as allowed, not as a choice


@dataclass(frozen=True)
class Ask:
    """A permission the consent screen asks for when one of `feeds` is ticked, or whatever is
    ticked when `always` (the account's other feeds, or its identity)."""

    permission: Permission
    feeds: tuple[str, ...]
    always: bool = False


@dataclass
class EnablePage:
    spec: ProviderSpec
    rows: list[FeedChoice]
    asks: list[Ask]
    account: str = ""  # the account the allowed feeds come from
    replaces: bool = False  # the new grant replaces the old one: it asks again for what it had
    chosen: list[str] = field(default_factory=list)

    @property
    def choosable(self) -> list[str]:
        return [row.feed for row in self.rows if not row.allowed]

    def asked_for(self, feeds: list[str]) -> list[Permission]:
        """The permissions the consent screen asks for when these feeds are ticked."""
        return [ask.permission for ask in self.asks if ask.always or set(ask.feeds) & set(feeds)]

    @property
    def asked(self) -> list[Permission]:
        return self.asked_for(self.chosen)


def _live_grant(user, spec: ProviderSpec) -> Credential | None:
    """The person's one working grant of this provider, the one an Enable adds to; None when
    they have none, or several (which account comes back is theirs to choose at the provider)."""
    grants = list(
        Credential.objects.filter(
            user=user, provider=spec.id, status=Credential.Status.ACTIVE
        ).prefetch_related("connections")[:2]
    )
    return grants[0] if len(grants) == 1 else None


def enable_page(
    *, user, spec: ProviderSpec, chosen: list[str] | None, another_account: bool = False
) -> EnablePage:
    """The Enable page with these feeds ticked (None: every feed still to choose); a feed the
    grant already imports is never ticked, it is shown as allowed.

    With another_account, the page is for connecting a second account: nothing is allowed yet.
    """
    grant = None if another_account else _live_grant(user, spec)
    granted = set(grant.scopes) if grant else set()
    # Importing now (its permissions given, the grant readable), errors it retries included.
    in_use = {
        c.feed
        for c in (grant.connections.all() if grant else [])
        if connection_status(connection=c).can_import
    }
    rows = [
        FeedChoice(
            feed=feed,
            label=Feed(feed).label,
            description=spec.feed_description(feed),
            permissions=spec.permissions_for([feed]),
            allowed=feed in in_use,
        )
        for feed in spec.feeds
    ]
    incremental = grant is not None and spec.incremental_authorization
    replaces = grant is not None and not spec.incremental_authorization
    asks = []
    for scope in spec.scopes_for(list(spec.feeds)):
        permission = spec.permissions.get(scope)
        if permission is None or (incremental and scope in granted):
            continue  # undescribed (openid), or already on the grant it adds to
        feeds = tuple(feed for feed in spec.feeds if scope in spec.feeds[feed])
        always = scope in spec.base_scopes or (replaces and bool(set(feeds) & in_use))
        asks.append(Ask(permission, feeds, always))
    page = EnablePage(
        spec=spec,
        rows=rows,
        asks=asks,
        account=grant.account_label if grant else "",
        replaces=replaces and bool(in_use),
    )
    choosable = page.choosable
    page.chosen = choosable if chosen is None else [f for f in chosen if f in choosable]
    return page
