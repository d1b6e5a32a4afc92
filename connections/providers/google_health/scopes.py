"""Google Health API v4 scopes and the feeds they feed.

Scope names from the discovery document health.v4.json (auth.oauth2.scopes); which data type sits
under which scope from https://developers.google.com/health/data-types.
"""

from connections.providers.catalog import Permission

PREFIX = "https://www.googleapis.com/auth/googlehealth."
ACTIVITY = PREFIX + "activity_and_fitness.readonly"
HEALTH_METRICS = PREFIX + "health_metrics_and_measurements.readonly"
SLEEP = PREFIX + "sleep.readonly"

PERMISSIONS = {
    ACTIVITY: Permission(
        ACTIVITY,
        "Activity and fitness",
        "to import your workouts and your daily steps, distance, active minutes and calories",
    ),
    SLEEP: Permission(SLEEP, "Sleep", "to import your sleep sessions and stages"),
    HEALTH_METRICS: Permission(
        HEALTH_METRICS,
        "Health metrics and measurements",
        "to import your weight, body fat and resting heart rate",
    ),
}

FEEDS = {
    "activities": (ACTIVITY,),  # exercise
    "sleep": (SLEEP,),  # sleep
    "body": (HEALTH_METRICS,),  # weight, body-fat
    "heart_rate": (HEALTH_METRICS,),  # daily-resting-heart-rate
    "daily": (ACTIVITY,),  # steps, distance, active-minutes, total-calories roll-ups
}

# What each feed imports (the Enable page): the permission is shared, the sentence is not.
FEED_DESCRIPTIONS = {
    "activities": "your workouts: type, time, distance, calories and heart-rate zones",
    "sleep": "each night's sleep: when, how long and its stages",
    "body": "your weight and body fat",
    "heart_rate": "your resting heart rate, one value a day",
    "daily": "your daily steps, distance, active minutes and calories",
}

# The e-mail address lets us show people which Google account a connection belongs to.
IDENTITY_SCOPES = ("openid", "email")
