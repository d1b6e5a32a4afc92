from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request.user.notify_by_email = request.POST.get("notify_by_email") == "on"
        request.user.save(update_fields=["notify_by_email"])
        messages.success(request, "Your e-mail preference is saved.")
        return redirect("notification_preferences")
    return render(request, "accounts/notifications.html")
