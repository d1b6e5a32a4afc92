"""Polar AccessLink's one scope, the feeds it serves, and what Polar makes Tendon say.

Reference: https://www.polar.com/accesslink-api/#authorization-endpoint (AccessLink uses the
single scope accesslink.read_all; the callback does not say which scopes were granted).
"""

from connections.providers.catalog import Permission

READ_ALL = "accesslink.read_all"

PERMISSIONS = {
    READ_ALL: Permission(
        READ_ALL,
        "Your Polar data",
        "to import your training sessions, sleep, Nightly Recharge, daily activity and weight",
    ),
}

FEED_DESCRIPTIONS = {
    "activities": "your training sessions: sport, time, distance, calories and heart rate",
    "sleep": "each night's sleep: when, how long and its stages",
    "heart_rate": "your heart rate at night, from Nightly Recharge",
    "daily": "your daily steps, active time and calories",
    "body": "the weight in your Polar profile",
}

FEEDS = {
    "activities": (READ_ALL,),  # exercises
    "sleep": (READ_ALL,),  # sleep
    "heart_rate": (READ_ALL,),  # Nightly Recharge (average heart rate of the night)
    "daily": (READ_ALL,),  # daily activity
    "body": (READ_ALL,),  # physical info (weight)
}

# Reference: https://www.polar.com/accesslink-api/#list-exercises ("Only exercises that have
# been uploaded to Flow after the user is registered with your client will be returned").
HISTORY_NOTE = (
    "Polar shares only what you record after connecting it to Tendon; anything older stays in "
    "Polar Flow."
)

# Reference: https://www.polar.com/accesslink-api/#register-user (403: "User has not accepted
# all mandatory consents"); consents are managed at https://account.polar.com.
CONSENTS_ACTION = (
    "Polar says you have not accepted all of its mandatory consents, so it does not share your "
    "data with Tendon. Sign in at account.polar.com, accept them, then connect Polar again."
)
