"""Pages with health data are never cached, and every page carries a strict script policy."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/connect/",
        "/data/",
        "/data/sleep.csv",
        "/data/daily.json",
        "/data/body.omh.json",
        "/data/everything.zip",
    ],
)
def test_pages_with_health_data_and_downloads_are_never_stored(logged_in, path):
    response = logged_in.get(path)

    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_every_page_carries_a_content_security_policy_without_inline_scripts(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]

    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "https://accounts.google.test" in directives["form-action"]  # Enable redirects there


@pytest.mark.parametrize(
    "path", ["/connect/", "/data/", "/accounts/notifications/", "/accounts/email/", "/admin/"]
)
def test_our_pages_need_no_inline_script(client, user_factory, path):
    client.force_login(user_factory("root@example.com", is_staff=True, is_superuser=True))

    html = client.get(path, follow=True).content.decode()

    inline = [s for s in re.findall(r"<script([^>]*)>", html) if "src=" not in s]
    assert all('type="application/json"' in s for s in inline), inline
