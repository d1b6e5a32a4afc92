"""manage.py seed_demo, which `make run` runs on every start."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _printed_password(output: str) -> str:
    return re.search(r"with password (\S+)", output).group(1)


def test_restarting_keeps_the_demo_password_and_the_session(client):
    password = _printed_password(_seed())
    assert client.login(email="demo@example.com", password=password)

    again = _seed()

    assert _printed_password(again) == password
    assert client.get("/connect/").status_code == 200  # still signed in


def test_a_password_the_person_chose_is_left_alone(client):
    _seed()
    demo = get_user_model().objects.get(email="demo@example.com")
    demo.set_password("my own choice 42")
    demo.save()

    output = _seed()

    assert "with the password you chose (or run manage.py seed_demo --reset-password)" in output
    assert client.login(email="demo@example.com", password="my own choice 42")


def test_reset_password_restores_the_printed_one(client):
    password = _printed_password(_seed())
    demo = get_user_model().objects.get(email="demo@example.com")
    demo.set_password("forgotten")
    demo.save()

    assert _printed_password(_seed("--reset-password")) == password
    assert client.login(email="demo@example.com", password=password)
