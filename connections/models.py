from datetime import timedelta

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from connections.crypto import EncryptedTextField, is_unreadable


def provider_name(provider: str) -> str:
    """The name people read for a provider id, from the registry (the id itself if unknown)."""
    from connections.providers import PROVIDERS  # the registry imports clients, not models

    spec = PROVIDERS.get(provider)
    return spec.name if spec else provider


class Feed(models.TextChoices):
    ACTIVITIES = "activities", "Activities"
    SLEEP = "sleep", "Sleep"
    BODY = "body", "Body"
    HEART_RATE = "heart_rate", "Heart rate"
    DAILY = "daily", "Daily summary"


class Credential(models.Model):
    """One OAuth grant from one provider account. Tokens are encrypted and never shown."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        NEEDS_REAUTH = "needs_reauth", "Needs re-authorization"
        REVOKED = "revoked", "Removed"

    class FlagCause(models.TextChoices):
        """Why a grant needs the person: said to them in these terms, never as an error code."""

        PROVIDER = "provider", "The provider stopped accepting our access"
        LOST = "lost", "Access lost while Tendon renewed it"
        RETIRED = "retired", "The provider retired its API"
        SUPPORT = "support", "Support asked the person to reconnect"
        SUPPORT_RESET = "support_reset", "Support reset the connection"
        PERSON = "person", "The provider waits for the person to act on its side"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credentials"
    )
    provider = models.CharField(max_length=32)
    account_uid = models.CharField("provider account id", max_length=255)
    account_label = models.CharField("provider account", max_length=255, blank=True)
    social_account = models.ForeignKey(
        SocialAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    access_token = EncryptedTextField(blank=True, editable=False)
    refresh_token = EncryptedTextField(blank=True, editable=False)
    expires_at = models.DateTimeField("access token expires at", null=True, blank=True)
    scopes = models.JSONField("scopes granted", default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_changed_at = models.DateTimeField(default=timezone.now)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    refresh_failures = models.PositiveIntegerField(default=0)
    refresh_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    notified_at = models.DateTimeField(
        "user told to reconnect at", null=True, blank=True, editable=False
    )
    flag_cause = models.CharField(
        "why it needs the user", max_length=16, choices=FlagCause.choices, blank=True
    )
    flag_note = models.CharField(
        "support's reason, as the user reads it", max_length=500, blank=True
    )
    # A grant that cannot be renewed (no refresh token): when the person was told, ahead of
    # its expiry, to reconnect. Once per grant; connecting again clears it.
    expiry_notified_at = models.DateTimeField(
        "user told access ends at", null=True, blank=True, editable=False
    )
    calls_window_start = models.DateTimeField(null=True, blank=True, editable=False)
    calls_in_window = models.PositiveIntegerField(default=0, editable=False)
    # Push subscriptions at providers that want one per user (Withings Notify): what is
    # subscribed, and when to (re)try when it is due. The row is the truth; the task a trigger.
    push_subscribed = models.JSONField("push subscribed to", default=list, blank=True)
    push_sync_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    push_sync_attempts = models.PositiveIntegerField(default=0, editable=False)
    push_sync_error = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Rule 6: one provider account feeds one local account (removed grants excepted).
            models.UniqueConstraint(
                fields=["provider", "account_uid"],
                condition=~Q(status="revoked"),
                name="one_live_credential_per_provider_account",
            ),
        ]
        indexes = [models.Index(fields=["user", "provider"], name="credential_user_provider")]

    def __str__(self) -> str:
        return f"{provider_name(self.provider)}: {self.account_label or self.account_uid}"

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.ACTIVE and bool(self.access_token or self.refresh_token)

    @property
    def tokens_unreadable(self) -> bool:
        """True when a stored token cannot be decrypted with the configured keys."""
        return is_unreadable(self.access_token) or is_unreadable(self.refresh_token)

    def expires_within(self, delta: timedelta) -> bool:
        """True when the access token is gone or expires within delta from now."""
        if not self.access_token:
            return True
        return self.expires_at is not None and self.expires_at <= timezone.now() + delta

    def has_scopes(self, scopes: frozenset[str] | set[str]) -> bool:
        return set(scopes) <= set(self.scopes)


class Connection(models.Model):
    """One feed of one provider account for one user, with its import position.

    The row outlives Remove: enabling the same provider account again resumes from `cursor`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections"
    )
    provider = models.CharField(max_length=32)
    feed = models.CharField(max_length=16, choices=Feed.choices)
    account_uid = models.CharField("provider account id", max_length=255, db_index=True)
    credential = models.ForeignKey(
        Credential, null=True, blank=True, on_delete=models.SET_NULL, related_name="connections"
    )
    enabled = models.BooleanField(default=True)
    cursor = models.DateTimeField("imported up to", null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.CharField(max_length=32, blank=True)
    last_error_message = models.TextField(blank=True)
    failing_since = models.DateTimeField(null=True, blank=True, db_index=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failure_days = models.PositiveIntegerField(
        "days with failures", default=0, help_text="Counted at most once a day."
    )
    last_failure_counted_on = models.DateField(null=True, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    # The window being imported when a run stopped half-way; the next run resumes it.
    chunk_start = models.DateTimeField(null=True, blank=True)
    chunk_end = models.DateTimeField(null=True, blank=True)
    chunk_token = models.TextField(blank=True)
    # Rule 4: the claim lives in the row. A lapsed claim is dispatched again.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Push (DESIGN.md rule 5): the last verified hint, a hint that arrived while a run held the
    # claim (the run hands over to a follow-up from this moment on: at once for a signed hint,
    # once the gap is up for an unsigned one), and an interval a hint asked to read again
    # (deleted data, or data older than the cursor's overlap).
    last_push_at = models.DateTimeField("last verified push", null=True, blank=True)
    hint_pending_at = models.DateTimeField(null=True, blank=True, editable=False)
    reread_start = models.DateTimeField(null=True, blank=True, editable=False)
    reread_end = models.DateTimeField(null=True, blank=True, editable=False)
    reread_deletes = models.BooleanField(default=False, editable=False)
    # Records a push named that Tendon does not hold, where the provider reads records by key
    # (a Strava activity uploaded long after it started, behind every import window): the next
    # import asks the provider for each one.
    records_asked = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider", "account_uid", "feed"],
                name="one_connection_per_user_account_feed",
            ),
        ]
        permissions = [
            (
                "operate_connection",
                "Can refresh, import, disable, enable, flag, reset and backfill connections",
            ),
        ]
        indexes = [
            # The dispatcher's one query: enabled connections by next run time.
            models.Index(fields=["next_run_at"], condition=Q(enabled=True), name="connection_due"),
            # The dispatcher's per-provider count of imports running now.
            models.Index(
                fields=["claimed_until"],
                condition=Q(claimed_until__isnull=False),
                name="connection_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{provider_name(self.provider)} · {self.get_feed_display()} (#{self.pk})"


class ImportRun(models.Model):
    """One run of one connection's import."""

    class Outcome(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        OK = "ok", "Imported"
        PARTIAL = "partial", "Partly imported"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    claim_token = models.UUIDField(editable=False)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    api_calls = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(
        default=0, help_text="Records the provider sent that could not be stored (set aside)."
    )
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.TextField(blank=True)
    # Where the run began reading, so a long backfill can say how far it has come.
    reads_from = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["connection", "-queued_at"], name="run_connection_recent"),
            models.Index(fields=["finished_at"], name="run_finished"),
            # Runs queued and not yet taken, which an idle worker thread takes first.
            models.Index(
                fields=["queued_at"],
                condition=Q(outcome="queued", started_at__isnull=True),
                name="run_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"Import #{self.pk} of connection {self.connection_id}: {self.outcome}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class Revocation(models.Model):
    """Asking a provider to end a grant Tendon has already let go of (Remove, reset, account
    deletion). Disconnecting happens at once; the provider is asked at once too, and again in the
    background until it answers, so no provider's slowness holds up a person's request. The
    tokens are kept, encrypted, only until the provider has answered or Tendon gives up."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the provider"
        DONE = "done", "Revoked"
        FAILED = "failed", "Gave up"
        CANCELLED = "cancelled", "Not needed: connected again"

    provider = models.CharField(max_length=32)
    account_uid = models.CharField("provider account id", max_length=255)
    account_label = models.CharField("provider account", max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty once the person deleted their account.",
    )
    reason = models.CharField(max_length=32)  # removed | reset | account_deleted
    # Push subscriptions to end before the grant (Withings Notify), while a token still works.
    push_subscribed = models.JSONField(default=list, blank=True)
    access_token = EncryptedTextField(blank=True, editable=False)
    refresh_token = EncryptedTextField(blank=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="revocation_due",
            ),
        ]

    def __str__(self) -> str:
        account = self.account_label or self.account_uid
        return f"Revocation at {provider_name(self.provider)} of {account}"


class SetAsideRecord(models.Model):
    """A record a provider sent that Tendon could not store, kept for support with the reason.

    One row per (connection, kind, key): seen again on a later import, it is updated, not added.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="set_aside")
    run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="set_aside"
    )
    kind = models.CharField(max_length=16)
    key = models.CharField("provider's record id", max_length=255)
    reason = models.TextField()
    raw_text = models.TextField("payload as the provider sent it (JSON)")
    times_seen = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "set-aside record"
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "kind", "key"], name="one_set_aside_per_record"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key[:40]} of connection {self.connection_id}"


class ConnectionEvent(models.Model):
    """One entry of a connection's timeline, in words a person can read."""

    class Kind(models.TextChoices):
        CONNECTED = "connected", "Connected"
        RECONNECTED = "reconnected", "Reconnected"
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"
        REMOVED = "removed", "Removed"
        REFRESHED = "refreshed", "Access renewed"
        REFRESH_FAILED = "refresh_failed", "Renewing access failed"
        FLAGGED = "flagged", "Needs you to reconnect"
        PERMISSION_MISSING = "permission_missing", "Permission missing"
        RATE_LIMITED = "rate_limited", "Rate limited"
        ERROR = "error", "Error"
        BACKFILL = "backfill", "Backfill requested"
        IMPORT_REQUESTED = "import_requested", "Import requested"
        RESET = "reset", "Reset by support"
        REVOKED = "revoked", "Access revoked"
        REVOCATION_FAILED = "revocation_failed", "Revocation not confirmed"
        SUPPORT_VIEWED_DATA = "data_viewed", "Records viewed by support"
        DELETED = "deleted", "Deleted at the provider"
        FIRST_IMPORT = "first_import", "First import"
        ACCESS_ENDING = "access_ending", "Access ends soon"

    class Actor(models.TextChoices):
        USER = "user", "the user"
        STAFF = "staff", "staff"
        SYSTEM = "system", "Tendon"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor_kind = models.CharField(max_length=8, choices=Actor.choices, default=Actor.SYSTEM)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(blank=True)
    detail = models.TextField("detail for support", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["connection", "-created_at"], name="event_connection_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class WebhookHint(models.Model):
    """One push notification (or one refused push request): what came, and what Tendon did.

    Holds no personal data: the connection it concerned, if any, not the provider's user id.
    """

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        IGNORED = "ignored", "Ignored"
        REFUSED = "refused", "Refused"

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    provider = models.CharField(max_length=32)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.CharField(max_length=32)  # queued, coalesced, unknown_account, bad_signature
    data_type = models.CharField(max_length=64, blank=True)
    operation = models.CharField(max_length=16, blank=True)
    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="hints"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["connection", "-received_at"],
                condition=Q(connection__isnull=False),
                name="hint_connection_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"{provider_name(self.provider)} push: {self.outcome} ({self.reason})"


# The health dashboard's counts live in their own module; importing them here registers them.
from connections.tallies import RunTally, StatusSnapshot  # noqa: E402, F401
