"""Withings scopes and the feeds they feed.

Reference: https://developer.withings.com/developer-guide/v3/data-api/all-available-health-data
"""

from connections.providers.catalog import Permission

INFO = "user.info"
METRICS = "user.metrics"
ACTIVITY = "user.activity"

PERMISSIONS = {
    INFO: Permission(INFO, "Your Withings profile", "to know which Withings account this is"),
    METRICS: Permission(METRICS, "Health measurements", "to import your weight and body fat"),
    ACTIVITY: Permission(
        ACTIVITY, "Activity", "to import your daily steps, distance, calories and active minutes"
    ),
}

FEEDS = {
    "body": (METRICS,),  # measure getmeas
    "daily": (ACTIVITY,),  # measure v2 getactivity
}

# What each feed imports (the Enable page), in a person's words.
FEED_DESCRIPTIONS = {
    "body": "your weight and body fat, from your scale",
    "daily": "your daily steps, distance, active minutes and calories",
}

IDENTITY_SCOPES = (INFO,)
