"""A quiet console for `make run`: the worker's own traffic to the demo provider stays out of
runserver's log, and e-mails printed to the console stand out from everything else."""

from __future__ import annotations

import logging

from django.core.mail.backends.console import EmailBackend

# The worker's requests to the demo provider (its API, its token door), the demo provider's
# pushes to Tendon, the connection page asking how an import is going, and static files.
QUIET = ("/sandbox/api/", "/sandbox/o/token/", "/webhooks/demo/", "/static/")
QUIET_ENDINGS = ("/progress/",)


class QuietDemoTraffic(logging.Filter):
    """Drops runserver's line for a request of the quiet kinds that went well."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 200) >= 400 or not record.args:
            return True
        request_line = str(record.args[0])  # "POST /sandbox/api/v4/… HTTP/1.1"
        parts = request_line.split(" ")
        path = parts[1].split("?")[0] if len(parts) > 1 else ""
        return not (path.startswith(QUIET) or path.endswith(QUIET_ENDINGS))


class ConsoleEmailBackend(EmailBackend):
    """Django's console e-mail, framed so that it cannot be missed among the log lines."""

    RULE = "=" * 79

    def write_message(self, message) -> None:
        recipients = ", ".join(message.to)
        self.stream.write(
            f"\n{self.RULE}\n  E-MAIL to {recipients}: {message.subject}\n{self.RULE}\n"
        )
        super().write_message(message)
        self.stream.write(f"{self.RULE}\n  END OF E-MAIL to {recipients}\n{self.RULE}\n\n")
