"""Tendon's one way of writing a time: '30 Nov 2026, 18:19', the 24-hour clock the pages use,
also where Django formats a date itself (the admin's read-only fields), never '6:19 p.m.'."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
