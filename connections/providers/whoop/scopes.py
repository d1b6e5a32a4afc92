"""WHOOP scopes and the feeds they feed, with WHOOP's own description of each.

Reference: WHOOP's OpenAPI document (components.securitySchemes.OAuth, and each route's
`security`): https://developer.whoop.com/api. `offline` is what brings a refresh token: without
it WHOOP's one-hour access ends the connection, so connecting refuses a grant without one.
"""

from connections.providers.catalog import Permission

OFFLINE = "offline"
PROFILE = "read:profile"
WORKOUT = "read:workout"
SLEEP = "read:sleep"
CYCLES = "read:cycles"
RECOVERY = "read:recovery"
BODY = "read:body_measurement"

PERMISSIONS = {
    OFFLINE: Permission(
        OFFLINE,
        "Offline access",
        "to keep importing while you are away; keep it allowed: without it WHOOP ends our "
        "access after an hour, so Tendon cannot connect",
    ),
    PROFILE: Permission(
        PROFILE,
        "Profile",
        "to know which WHOOP account this is and to route WHOOP's notifications to it "
        "(WHOOP: \u201cname and email\u201d)",
    ),
    WORKOUT: Permission(
        WORKOUT,
        "Workouts",
        "to import your workouts (WHOOP: \u201cactivity Strain and average heart rate\u201d)",
    ),
    SLEEP: Permission(
        SLEEP,
        "Sleep",
        "to import your sleep (WHOOP: \u201cperformance % and duration per sleep stage\u201d)",
    ),
    CYCLES: Permission(
        CYCLES,
        "Cycles",
        "to import your daily calories and Strain (WHOOP: \u201cday Strain and average heart "
        "rate during a physiological cycle\u201d)",
    ),
    RECOVERY: Permission(
        RECOVERY,
        "Recovery",
        "to import your recovery and resting heart rate (WHOOP: \u201cscore, heart rate "
        "variability, and resting heart rate\u201d)",
    ),
    BODY: Permission(
        BODY,
        "Body measurements",
        "to import your weight (WHOOP: \u201cheight, weight, and max heart rate\u201d)",
    ),
}

FEED_DESCRIPTIONS = {
    # A workout's own strain is not kept (Activity has no column for it): not promised.
    "activities": "your workouts: sport, time, distance, calories, average heart rate and "
    "heart-rate zones",
    "sleep": "each sleep: when, how long and its stages",
    "daily": "each day's strain, recovery, heart rate variability, resting heart rate and calories",
    "body": "your weight (and height, for your BMI)",
}

FEEDS = {
    "activities": (WORKOUT,),  # /v2/activity/workout
    "sleep": (SLEEP,),  # /v2/activity/sleep
    "daily": (CYCLES, RECOVERY),  # /v2/cycle + /v2/recovery
    "body": (BODY,),  # /v2/user/measurement/body
}

IDENTITY_SCOPES = (OFFLINE, PROFILE)
