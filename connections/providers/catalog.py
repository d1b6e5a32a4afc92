"""What a provider offers: its feeds, the permission each needs and why, in words people read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings

from connections.services.pacing import CallBudget

if TYPE_CHECKING:
    from collections.abc import Callable

    from connections.providers.base import ClientConfig
    from connections.providers.push import Delivery, Inbound


@dataclass(frozen=True)
class Permission:
    scope: str
    label: str  # "Sleep"
    reason: str  # "to import your sleep sessions and stages"


@dataclass(frozen=True)
class ProviderSpec:
    """One provider as Tendon presents it. Read by views, services, tasks, admin and templates."""

    id: str
    name: str  # "Fitbit & Pixel Watch (Google Health)"
    short_name: str  # "Fitbit & Pixel Watch", for sentences
    account_owner: str  # "Google": whose sign-in page the person meets
    client_class: Any
    permissions: dict[str, Permission]  # by scope
    feeds: dict[str, tuple[str, ...]]  # feed -> scopes it needs
    # What each feed brings in, in a person's words ("your resting heart rate, one value a
    # day"), for the Enable page: several feeds may share a permission, never a sentence.
    feed_descriptions: dict[str, str] = field(default_factory=dict)
    base_scopes: tuple[str, ...] = ()  # asked every time (identity)
    scope_delimiter: str = " "
    colour: str = "#555"
    # Every refresh answers with a new refresh token and kills the one spent (single use). Only
    # then can a refresh that died half-way have cost us the grant: the token door says "lost
    # while renewing" for those, and "stopped accepting" where the provider keeps its token.
    refresh_tokens_rotate: bool = True
    # False for a provider that issues no refresh token (Polar: one long-lived access token).
    # The token door then never refreshes: a 401 means the grant is gone, and the person is
    # told ahead of the token's expiry to reconnect (connections/services/expiry.py).
    refresh_tokens_issued: bool = True
    # Said when a connection is made and on its first import, for a provider whose data
    # starts only when Tendon connected (Polar keeps nothing from before registration).
    history_note: str = ""
    # Google's include_granted_scopes: a new grant adds to the old one. Without it, asking for
    # one more feed must ask again for every scope the account already uses.
    incremental_authorization: bool = False
    extra_auth_params: dict[str, str] = field(default_factory=dict)
    consent_param: tuple[str, str] | None = None  # sent when we hold no refresh token
    # Pacing: imports of this provider running at once, and API calls per user per period.
    max_concurrent_imports: int = 20
    user_call_budget: tuple[int, timedelta] | None = None
    # Application-wide allowances, counted across every worker (connections/services/pacing.py).
    app_call_budgets: tuple[CallBudget, ...] = ()
    # How far back the provider keeps data a client may read (None: as far as it has any).
    history_days: int | None = None
    # False for a provider this Tendon no longer offers (switched off in settings): its
    # connections can still be seen, disabled and removed, and nothing else.
    available: bool = True
    # Push: the provider package's reader of webhook requests (verify, parse into hints), and
    # whether each connected account must be subscribed at the provider (Withings Notify)
    # rather than once for the whole application (Google's subscriber).
    webhook: Callable[[Inbound], Delivery] | None = None
    push_subscriptions: bool = False
    # Feeds whose records the client reads one by one by key (`fetch_record`): a push naming
    # such a record that Tendon does not hold has the next import ask for it (a Strava activity
    # uploaded long after it started lies behind every import window).
    records_by_key: tuple[str, ...] = ()
    # Record kinds a feed writes, where a feed writes more than its own kind (a daily summary
    # that also gives the day's resting heart rate): deletions then cover every one of them.
    feed_kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The daily summary's columns read again from a day's stored payload (DailySummary.raw):
    # (day, raw) -> values. Fills the columns of days stored before Tendon kept them (records
    # migration 0006); the provider's normaliser reads a fetched day the same way.
    daily_from_raw: Callable[[date, dict], dict[str, Any]] | None = None
    # Application-level housekeeping the provider needs now and then (renewing webhook
    # subscriptions that expire, creating again those the provider no longer holds), run by
    # the "tendon: provider upkeep" schedule with the provider's API client and its push
    # address; returns counts for the log.
    upkeep: Callable[..., dict[str, int]] | None = None

    def scopes_for(self, feeds: list[str] | tuple[str, ...]) -> list[str]:
        """Every scope to ask for so that these feeds can import, base scopes first."""
        scopes = list(self.base_scopes)
        for feed in feeds:
            for scope in self.feeds[feed]:
                if scope not in scopes:
                    scopes.append(scope)
        return scopes

    def permissions_asked(self, feeds: list[str] | tuple[str, ...]) -> list[Permission]:
        """Every permission the provider's consent screen asks for these feeds, the base
        (identity) ones first; a scope Tendon does not describe (openid) is left out."""
        return [self.permissions[s] for s in self.scopes_for(feeds) if s in self.permissions]

    def permissions_for(self, feeds: list[str] | tuple[str, ...]) -> list[Permission]:
        seen: list[Permission] = []
        for feed in feeds:
            for scope in self.feeds.get(feed, ()):
                permission = self.permissions[scope]
                if permission not in seen:
                    seen.append(permission)
        return seen

    def feed_description(self, feed: str) -> str:
        """What the feed imports, in a person's words; a plain fallback for a provider that
        does not say."""
        if feed in self.feed_descriptions:
            return self.feed_descriptions[feed]
        from connections.models import Feed

        label = Feed(feed).label.lower() if feed in Feed.values else feed.replace("_", " ")
        return f"your {label} data"

    def missing_permissions(self, feed: str, granted: list[str]) -> list[Permission]:
        return [self.permissions[s] for s in self.feeds.get(feed, ()) if s not in set(granted)]

    def endpoints(self) -> dict[str, str]:
        return settings.PROVIDER_ENDPOINTS[self.id]

    def client(self, *, client_id: str, client_secret: str):
        """An API client for this provider, configured from settings and the OAuth app; its
        requests go through the process's kept-alive connections to the provider."""
        from connections.providers.base import ClientConfig, new_session

        config: ClientConfig = ClientConfig(
            client_id=client_id, client_secret=client_secret, **self.endpoints()
        )
        session = new_session(pool=self.id, pool_size=settings.IMPORT_CONCURRENCY)
        return self.client_class(config, name=self.account_owner, session=session)


def unavailable_spec(provider_id: str) -> ProviderSpec:
    """A stand-in for a provider that has left the registry, so that pages can still name it."""
    name = provider_id.replace("_", " ").title()
    return ProviderSpec(
        id=provider_id,
        name=f"{name} (not available on this Tendon)",
        short_name=name,
        account_owner=name,
        client_class=None,
        permissions={},
        feeds={},
        max_concurrent_imports=0,
        available=False,
    )
