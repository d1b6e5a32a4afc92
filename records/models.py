"""Imported health data, normalised. Each record keeps the provider's key and raw payload and is
unique per (user, provider account, key): the same record can never be stored twice.
"""

from django.conf import settings
from django.db import models


class Record(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=32)
    account_uid = models.CharField("provider account id", max_length=255)
    key = models.CharField("provider's record id or date", max_length=255)
    raw = models.JSONField(default=dict)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Columns an import of this record's feed writes (besides raw and updated_at).
    VALUE_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider", "account_uid", "key"], name="%(class)s_unique_key"
            ),
        ]


class Activity(Record):
    activity_type = models.CharField(max_length=64)
    name = models.CharField(max_length=255, blank=True)
    start = models.DateTimeField()
    # duration: start to finish, pauses included (elapsed time). moving_time: the part of it
    # spent moving, where the provider tells them apart (Strava).
    duration = models.DurationField(null=True, blank=True)
    moving_time = models.DurationField(null=True, blank=True)
    distance_m = models.FloatField("distance (m)", null=True, blank=True)
    calories = models.FloatField("calories (kcal)", null=True, blank=True)
    steps = models.PositiveIntegerField(null=True, blank=True)
    average_heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate_zones = models.JSONField("minutes per heart-rate zone", default=dict, blank=True)

    VALUE_FIELDS = (
        "activity_type",
        "name",
        "start",
        "duration",
        "moving_time",
        "distance_m",
        "calories",
        "steps",
        "average_heart_rate",
        "heart_rate_zones",
    )

    class Meta(Record.Meta):
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["user", "-start"], name="activity_user_recent")]
        permissions = [
            # Least privilege: Support sees counts, dates and runs; the values need this.
            ("view_health_data", "Can view people's imported health values (every kind)"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.activity_type} on {self.start:%Y-%m-%d}"


class SleepSession(Record):
    start = models.DateTimeField()
    end = models.DateTimeField()
    minutes_asleep = models.PositiveIntegerField(null=True, blank=True)
    stages = models.JSONField("minutes per stage", default=dict, blank=True)

    VALUE_FIELDS = ("start", "end", "minutes_asleep", "stages")

    class Meta(Record.Meta):
        indexes = [models.Index(fields=["user", "-start"], name="sleep_user_recent")]

    def __str__(self) -> str:
        return f"Sleep ending {self.end:%Y-%m-%d}"


class BodyMeasurement(Record):
    measured_at = models.DateTimeField()
    weight_kg = models.FloatField(null=True, blank=True)
    bmi = models.FloatField("BMI", null=True, blank=True)
    fat_percent = models.FloatField("body fat (%)", null=True, blank=True)

    VALUE_FIELDS = ("measured_at", "weight_kg", "bmi", "fat_percent")

    class Meta(Record.Meta):
        indexes = [models.Index(fields=["user", "-measured_at"], name="body_user_recent")]

    def __str__(self) -> str:
        return f"Body measurement {self.measured_at:%Y-%m-%d %H:%M}"


class DailySummary(Record):
    """One day. The daily feed writes the activity columns and the day's scores (those the
    provider gives; the others stay empty); the heart-rate feed writes its own."""

    date = models.DateField()
    steps = models.PositiveIntegerField(null=True, blank=True)
    calories = models.FloatField("calories (kcal)", null=True, blank=True)
    distance_m = models.FloatField("distance (m)", null=True, blank=True)
    active_minutes = models.PositiveIntegerField(null=True, blank=True)
    resting_heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    raw_heart_rate = models.JSONField(default=dict, blank=True)
    # The provider's own verdicts on the day, on its own scales.
    readiness_score = models.PositiveSmallIntegerField(
        "readiness score (0-100)", null=True, blank=True
    )
    sleep_score = models.PositiveSmallIntegerField("sleep score (0-100)", null=True, blank=True)
    activity_score = models.PositiveSmallIntegerField(
        "activity score (0-100)", null=True, blank=True
    )
    recovery_score = models.PositiveSmallIntegerField("recovery (%)", null=True, blank=True)
    strain = models.FloatField("day strain (0-21)", null=True, blank=True)
    hrv_ms = models.FloatField("heart rate variability (ms)", null=True, blank=True)

    SCORE_FIELDS = (
        "readiness_score",
        "sleep_score",
        "activity_score",
        "recovery_score",
        "strain",
        "hrv_ms",
    )
    VALUE_FIELDS = ("date", "steps", "calories", "distance_m", "active_minutes", *SCORE_FIELDS)
    HEART_RATE_FIELDS = ("date", "resting_heart_rate")

    class Meta(Record.Meta):
        verbose_name_plural = "daily summaries"
        indexes = [models.Index(fields=["user", "-date"], name="daily_user_recent")]

    def __str__(self) -> str:
        return f"Day {self.date}"


class StaffRecordView(models.Model):
    """Every look by staff at a person's imported values, for the audit trail."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Whose records; empty for a list that showed none.",
    )
    # "sleep session #12"; a list: one row per person it showed, "activities list ?q=…: 3 of
    # their records shown".
    what = models.CharField(max_length=255)
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-viewed_at"]
        indexes = [models.Index(fields=["subject", "-viewed_at"], name="record_view_subject")]

    def __str__(self) -> str:
        return f"{self.what} viewed at {self.viewed_at:%Y-%m-%d %H:%M}"


class DailyValue(models.Model):
    """One person's day as one provider saw it, summed up from the records for the charts.

    Derived data: daily_values_refresh() rebuilds a day from the records whenever they change, so
    a chart reads one row per day and source instead of every record (one indexed query for a
    year). Days are calendar days in settings.TIME_ZONE.
    """

    # No index of its own: the unique (user, day, provider) index serves every read by user, so
    # a chart's range of days is an index range, not all of the person's days filtered.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    provider = models.CharField(max_length=32)
    day = models.DateField()
    steps = models.PositiveIntegerField(null=True, blank=True)
    sleep_minutes = models.PositiveIntegerField("minutes asleep", null=True, blank=True)
    sleep_stages = models.JSONField("minutes per sleep stage", default=dict, blank=True)
    weight_kg = models.FloatField(null=True, blank=True)
    fat_percent = models.FloatField(null=True, blank=True)
    resting_heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate_zones = models.JSONField("minutes per heart-rate zone", default=dict, blank=True)
    activities = models.JSONField("activities per type", default=dict, blank=True)

    class Meta:
        constraints = [
            # Also the index every chart reads through: user, then a range of days.
            models.UniqueConstraint(fields=["user", "day", "provider"], name="daily_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} from {self.provider}"


class SourcePreference(models.Model):
    """Which provider's numbers a person wants to see for one metric when several report a day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique (user, metric) index serves reads by user
    metric = models.CharField(max_length=32)  # a key of records.metrics.METRICS
    provider = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "metric"], name="source_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} from {self.provider}"
