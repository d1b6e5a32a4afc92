"""What My Account > Connect and a provider's page show: one card per provider account, with
one status, the one action that fixes what needs fixing, and a line per feed (UX.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from connections.humanize import ago
from connections.models import Connection, Credential, Feed
from connections.providers import spec_for
from connections.providers.catalog import ProviderSpec
from connections.selectors import (
    Status,
    connection_status,
    providers_offered,
    worst_status,
)
from connections.services.scheduling import PUSH_RECENT

# Causes that belong to the grant, not to a feed: said once, on the card.
ACCOUNT_WIDE = {"needs_reauth", "unavailable"}
# What a card's pill may say while the grant works: the feeds' own troubles stay on their rows.
RUNNING = {"connected", "paused", "error"}


@dataclass(frozen=True)
class Action:
    """The card's one primary button: a form POST (Reconnect) or a link (Allow sleep data)."""

    label: str
    url: str
    post: bool = False


@dataclass
class FeedRow:
    feed: str
    label: str
    connection: Connection | None
    status: Status | None
    show_status: bool = False  # only when it differs from the card's

    @property
    def when(self) -> str:
        """'last imported 5 minutes ago', or why nothing has been."""
        connection = self.connection
        if connection is None:
            return "not imported"
        if connection.claimed_until and connection.claimed_until > timezone.now():
            return "importing now"
        if connection.last_success_at:
            return f"last imported {ago(connection.last_success_at)}"
        if self.status and self.status.can_import:
            return "first import under way"
        return "nothing imported yet"


@dataclass
class Card:
    spec: ProviderSpec
    credential: Credential | None = None
    rows: list[FeedRow] = field(default_factory=list)
    status: Status | None = None
    summary: str = ""  # the line under the pill
    action: Action | None = None
    previous_accounts: list[str] = field(default_factory=list)

    @property
    def feeds_in_words(self) -> str:
        """'activities, sleep and daily summary', for the sentence under Enable."""
        names = [Feed(feed).label.lower() for feed in self.spec.feeds]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    @property
    def first_connection(self) -> Connection | None:
        return next((row.connection for row in self.rows if row.connection), None)


def enable_url(provider: str, feeds: list[str] | tuple[str, ...] = ()) -> str:
    url = reverse("provider_enable", args=[provider])
    return f"{url}?{urlencode([('feed', f) for f in feeds])}" if feeds else url


def schedule_summary(connections: list[Connection], name: str) -> str:
    """'Importing every 60 minutes · last import 5 minutes ago' (or the push wording)."""
    now = timezone.now()
    if any(c.last_push_at and c.last_push_at > now - PUSH_RECENT for c in connections):
        how = f"Updates arrive as {name} sends them"
    else:
        how = f"Importing every {settings.IMPORT_INTERVAL_MINUTES} minutes"
    successes = [c.last_success_at for c in connections if c.last_success_at]
    last = f"last import {ago(max(successes))}" if successes else "first import under way"
    return f"{how} · {last}"


def _card_status(rows: list[FeedRow]) -> Status | None:
    statuses = [row.status for row in rows if row.status]
    account = [s for s in statuses if s.code in ACCOUNT_WIDE]
    if account:
        return worst_status(account)
    return worst_status([s for s in statuses if s.code in RUNNING]) or worst_status(statuses)


def _primary_action(card: Card) -> Action | None:
    """The fix, when something needs the person: Reconnect, or Allow the missing permission."""
    status, first = card.status, card.first_connection
    if status is None or first is None or not card.spec.available:
        return None
    if status.code == "needs_reauth":
        return Action("Reconnect", reverse("connection_reconnect", args=[first.pk]), post=True)
    missing = [row for row in card.rows if row.status and row.status.code == "permission_missing"]
    if missing:
        labels: list[str] = []
        for row in missing:
            for permission in row.status.missing:
                if permission.label.lower() not in labels:
                    labels.append(permission.label.lower())
        what = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
        return Action(f"Allow {what} data", enable_url(card.spec.id, [r.feed for r in missing]))
    return None


def card_for(credential: Credential, spec: ProviderSpec) -> Card:
    """The card of one live grant: its feeds, one status, the fix and the line under it."""
    by_feed = {c.feed: c for c in credential.connections.all()}
    card = Card(spec=spec, credential=credential)
    # A provider that left the registry still shows the feeds it had, to disable or remove.
    for feed in spec.feeds if spec.available else by_feed:
        connection = by_feed.get(feed)
        status = connection_status(connection=connection) if connection else None
        label = Feed(feed).label if feed in Feed.values else feed
        card.rows.append(FeedRow(feed, label, connection, status))
    card.status = _card_status(card.rows)
    for row in card.rows:
        row.show_status = bool(
            row.status and card.status and row.status.code != card.status.code
        )
    running = [r.connection for r in card.rows if r.connection and r.connection.enabled]
    if card.status and card.status.code == "connected" and running:
        card.summary = schedule_summary(running, spec.short_name)
    elif card.status and card.status.code == "needs_reauth":
        # The pill keeps the status word; the sentence says it as the banner does, and why.
        card.summary = f"Needs you to reconnect — {card.status.explanation}"
    elif card.status:
        card.summary = card.status.explanation
    card.action = _primary_action(card)
    return card


def _live_credentials(*, user, provider: str | None = None):
    credentials = (
        Credential.objects.filter(user=user)
        .exclude(status=Credential.Status.REVOKED)
        .prefetch_related(
            Prefetch(
                "connections",
                queryset=Connection.objects.select_related("credential").order_by("feed"),
            )
        )
        .order_by("created_at")
    )
    return credentials.filter(provider=provider) if provider else credentials


def connect_cards(*, user, request=None) -> list[Card]:
    """The cards of My Account > Connect: connected accounts first, then the rest."""
    cards: list[Card] = []
    connected = set()
    for credential in _live_credentials(user=user):
        spec = spec_for(credential.provider)
        connected.add(spec.id)
        cards.append(card_for(credential, spec))
    removed = (
        Credential.objects.filter(user=user, status=Credential.Status.REVOKED)
        .values_list("provider", "account_label")
        .distinct()
    )
    previous: dict[str, list[str]] = {}
    for provider, label in removed:
        if label not in previous.setdefault(provider, []):
            previous[provider].append(label)
    for spec in providers_offered(request=request):
        if spec.id not in connected:
            cards.append(Card(spec=spec, previous_accounts=previous.get(spec.id, [])))
    return cards


@dataclass
class ProviderPage:
    spec: ProviderSpec
    cards: list[Card]
    removed: list[tuple[Connection, Status]]  # feeds of accounts removed earlier
    offered: bool  # the person may connect (another account of) it


def provider_page(*, user, provider: str, request=None) -> ProviderPage | None:
    """Everything a person has of one provider: each live account with all its feeds, and the
    feeds of accounts they removed (kept, to enable again). None when there is nothing to show."""
    spec = spec_for(provider)
    cards = [card_for(c, spec) for c in _live_credentials(user=user, provider=provider)]
    removed = [
        (connection, connection_status(connection=connection))
        for connection in Connection.objects.filter(
            user=user, provider=provider, credential__isnull=True
        ).order_by("account_uid", "feed")
    ]
    offered = any(s.id == provider for s in providers_offered(request=request))
    if not cards and not removed and not offered:
        return None
    return ProviderPage(spec=spec, cards=cards, removed=removed, offered=offered)
