"""Strava scopes (comma-separated) and the feeds they feed.

Reference: https://developers.strava.com/docs/authentication/#details-about-requesting-access.
The token answer does not say what was granted; the callback's `scope` parameter does ("the
scope accepted by the user"), and the person may untick any of them on Strava's page.
"""

from connections.providers.catalog import Permission

READ = "read"
ACTIVITY_READ_ALL = "activity:read_all"
PROFILE_READ_ALL = "profile:read_all"

PERMISSIONS = {
    READ: Permission(READ, "Your public Strava profile", "to know which Strava athlete this is"),
    ACTIVITY_READ_ALL: Permission(
        ACTIVITY_READ_ALL,
        "Activities, private ones included",
        "to import your activities: distance, moving and elapsed time",
    ),
    PROFILE_READ_ALL: Permission(
        PROFILE_READ_ALL, "Your complete profile", "to import the weight you keep on Strava"
    ),
}

FEED_DESCRIPTIONS = {
    "activities": "your activities: sport, time moving and elapsed, distance and energy",
    "body": "the weight in your Strava profile",
}

FEEDS = {
    "activities": (ACTIVITY_READ_ALL,),  # GET /athlete/activities
    "body": (PROFILE_READ_ALL,),  # the detailed athlete's weight
}

IDENTITY_SCOPES = (READ,)
