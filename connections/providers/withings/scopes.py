"""Withings scopes and the feeds they feed.

Reference: https://developer.withings.com/developer-guide/v3/data-api/all-available-health-data
"""

from connections.providers.catalog import Permission

INFO = "user.info"
METRICS = "user.metrics"
ACTIVITY = "user.activity"

PERMISSIONS = {
    INFO: Permission(INFO, "Your Withings profile", "to know which Withings account this is"),
    METRICS: Permission(
        METRICS, "Health measurements", "to import your weight, BMI, body fat and heart rate"
    ),
    ACTIVITY: Permission(
        ACTIVITY, "Activity and sleep", "to import your workouts, daily activity and sleep"
    ),
}

FEEDS = {
    "activities": (ACTIVITY,),  # getworkouts
    "sleep": (ACTIVITY,),  # sleep v2 getsummary
    "body": (METRICS,),  # getmeas
    "daily": (ACTIVITY,),  # getactivity
}

IDENTITY_SCOPES = (INFO,)
