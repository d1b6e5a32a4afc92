"""Headers that keep personal pages out of shared caches and lock down what a page may load."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def _form_targets() -> str:
    """Where a form may send the browser: here, and the providers' consent pages (Enable posts
    a form that redirects there; browsers apply form-action to that redirect)."""
    origins = {"'self'"}
    for endpoints in settings.PROVIDER_ENDPOINTS.values():
        parts = urlsplit(endpoints.get("authorize_url", ""))
        if parts.scheme and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return " ".join(sorted(origins))


def content_security_policy() -> str:
    # Scripts only from our own static files (no inline script anywhere); inline style
    # attributes are allowed (provider colours, admin pills), style sheets only from here.
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            f"form-action {_form_targets()}",
        ]
    )


class PrivacyHeadersMiddleware:
    """Every answer to a signed-in person is private and never stored (health data, downloads);
    every page carries the Content-Security-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        response.setdefault("Content-Security-Policy", content_security_policy())
        return response
