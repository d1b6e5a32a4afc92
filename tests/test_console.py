"""`make run`'s console: the worker's traffic to the demo provider stays out of runserver's
log, and e-mails printed there stand out."""

from __future__ import annotations

import io
import logging

from django.core.mail import EmailMessage

from config.console import ConsoleEmailBackend, QuietDemoTraffic


def _line(request_line: str, status: int) -> logging.LogRecord:
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s', (request_line, str(status), "9"),
        None,
    )
    record.status_code = status
    return record


def test_the_workers_requests_to_the_demo_provider_are_not_logged():
    quiet = QuietDemoTraffic()

    assert not quiet.filter(_line("POST /sandbox/api/v4/users/me/dataTypes/steps HTTP/1.1", 200))
    assert not quiet.filter(_line("POST /sandbox/o/token/ HTTP/1.1", 200))
    assert not quiet.filter(_line("GET /connect/12/progress/ HTTP/1.1", 200))


def test_a_persons_requests_and_any_failure_are_still_logged():
    quiet = QuietDemoTraffic()

    assert quiet.filter(_line("GET /connect/ HTTP/1.1", 200))
    assert quiet.filter(_line("GET /sandbox/ HTTP/1.1", 200))
    assert quiet.filter(_line("POST /sandbox/o/token/ HTTP/1.1", 400))
    assert quiet.filter(_line("POST /sandbox/api/v4/users/me/identity HTTP/1.1", 500))


def test_an_email_printed_to_the_console_is_framed():
    stream = io.StringIO()
    backend = ConsoleEmailBackend(stream=stream)

    backend.send_messages([EmailMessage("Confirm your address", "Follow the link.", to=["a@b.c"])])

    printed = stream.getvalue()
    assert "E-MAIL to a@b.c: Confirm your address" in printed
    assert "Follow the link." in printed
    assert printed.rstrip().endswith("=" * 79)


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
