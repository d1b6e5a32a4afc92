"""Site-wide doors: the front page and the 403 page (the admin's own look inside the admin)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.template import loader


def home(request: HttpRequest) -> HttpResponse:
    """What Tendon is, with Log in and Sign up; people who are logged in go to Connect."""
    if request.user.is_authenticated:
        return redirect("connect")
    return render(request, "home.html")


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """The 403 page; inside /admin/ it looks like the admin and leads back into it."""
    if request.path.startswith("/admin/") and getattr(request.user, "is_staff", False):
        from django.contrib import admin

        context = {**admin.site.each_context(request), "title": "Not allowed"}
        body = loader.render_to_string("admin/403.html", context, request)
    else:
        body = loader.render_to_string("403.html", {}, request)
    return HttpResponseForbidden(body)
