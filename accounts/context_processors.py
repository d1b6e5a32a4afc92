"""The "needs attention" banner: one strip on every page while a connection needs the user, and
a quieter notice while a grant Tendon cannot renew nears its end."""

from __future__ import annotations

from django.http import HttpRequest


def attention(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from connections.selectors import access_ending_items, attention_items

    return {"attention": attention_items(user=user), "ending": access_ending_items(user=user)}
