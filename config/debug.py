"""Error reports never show a token, in development or production."""

from django.views.debug import SafeExceptionReporterFilter


class TokenSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, active with DEBUG=1 too: frames marked with sensitive_variables() (every
    function that holds a provider token) and sensitive POST fields are hidden on the debug page,
    not only in production's error e-mails."""

    def is_active(self, request) -> bool:
        return True
