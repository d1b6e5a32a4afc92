"""The "needs attention" banner: one strip on every page while a connection needs the user."""

from __future__ import annotations

from django.http import HttpRequest


def attention(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from connections.selectors import attention_items

    return {"attention": attention_items(user=user)}
