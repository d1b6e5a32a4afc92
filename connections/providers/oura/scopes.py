"""Oura scopes and the feeds they feed, with Oura's own description of each.

Reference: https://cloud.ouraring.com/docs/authentication ("Scopes") and the OpenAPI document
(components.securitySchemes). Oura says per route nothing about scopes; the mapping below is the
one its scope descriptions imply: `daily` covers the daily summaries and the sleep periods.
People may switch any scope off on Oura's consent page; the callback says which they kept.
"""

from connections.providers.catalog import Permission

EMAIL = "email"
PERSONAL = "personal"
DAILY = "daily"
HEARTRATE = "heartrate"
WORKOUT = "workout"

PERMISSIONS = {
    EMAIL: Permission(
        EMAIL, "Email address", "to show you which Oura account a connection belongs to"
    ),
    PERSONAL: Permission(
        PERSONAL,
        "Personal information",
        "to know which Oura account this is (Oura: \u201cgender, age, height, weight\u201d)",
    ),
    DAILY: Permission(
        DAILY,
        "Daily summaries",
        "to import your daily steps, calories and activity, sleep and readiness scores, and "
        "your sleep periods (Oura: \u201cdaily summaries of sleep, activity and readiness\u201d)",
    ),
    WORKOUT: Permission(
        WORKOUT,
        "Workouts",
        "to import your workouts (Oura: \u201csummaries for auto-detected and user entered "
        "workouts\u201d)",
    ),
    HEARTRATE: Permission(
        HEARTRATE,
        "Heart rate",
        "to import your resting heart rate, read from the heart rate Oura measures through the "
        "night (Oura: \u201ctime series heart rate\u201d)",
    ),
}

FEED_DESCRIPTIONS = {
    "activities": "your workouts: type, time, distance and calories",
    "sleep": "each sleep period: when, how long and its stages",
    # Tendon reads the day's heart rate samples but keeps one value a day from them.
    "heart_rate": "your resting heart rate each day: the lowest heart rate your ring measured "
    "while you slept",
    "daily": "your daily steps, calories, distance and active time, and your activity, sleep "
    "and readiness scores",
}

FEEDS = {
    "activities": (WORKOUT,),  # /v2/usercollection/workout
    "sleep": (DAILY,),  # /v2/usercollection/sleep (sleep periods)
    "heart_rate": (HEARTRATE,),  # /v2/usercollection/heartrate
    "daily": (DAILY,),  # daily_activity + daily_sleep + daily_readiness
}

# personal_info's `id` needs no scope; these give the account's label (issue 11 asks for both).
IDENTITY_SCOPES = (PERSONAL, EMAIL)
