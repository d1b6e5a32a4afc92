"""Who is signed in to the demo provider. Kept apart from the Tendon login in the same browser,
as a real provider's sign-in would be: being logged in to Tendon does not sign you in here.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest

SESSION_KEY = "sandbox_person_id"


def current_person(request: HttpRequest):
    """The demo account signed in to the sandbox in this browser, or None."""
    person_id = request.session.get(SESSION_KEY)
    if person_id is None:
        return None
    return get_user_model().objects.filter(pk=person_id, is_active=True).first()


def sign_in(request: HttpRequest, person) -> None:
    request.session[SESSION_KEY] = person.pk


def sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def health_user_id(person) -> str:
    """The demo account's healthUserId: letters, digits and hyphens, as Google's are."""
    return f"demo-{person.pk}"
