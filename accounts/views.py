from allauth.account.views import EmailView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.services.deletion import user_delete


class EmailAddressesView(EmailView):
    """allauth's e-mail addresses page; only a confirmed address can become the login address."""

    def _action_primary(self, request: HttpRequest, *args, **kwargs):
        address = self._get_email_address(request)
        if address is not None and not address.verified:
            messages.error(
                request,
                f"Confirm {address.email} first: follow the link we sent to it (or press "
                "\u201cRe-send verification\u201d). Only a confirmed address can be the one you "
                "log in with. Nothing was changed.",
            )
            return redirect("account_email")
        return super()._action_primary(request, *args, **kwargs)


email_addresses = EmailAddressesView.as_view()


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request.user.notify_by_email = request.POST.get("notify_by_email") == "on"
        request.user.save(update_fields=["notify_by_email"])
        messages.success(request, "Your e-mail preference is saved.")
        return redirect("notification_preferences")
    return render(request, "accounts/notifications.html")


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.user.check_password(request.POST.get("password", "")):
            messages.error(request, "That password is not right. Nothing was deleted.")
            return render(request, "accounts/delete.html", status=400)
        user_delete(user=request.user)
        logout(request)
        messages.success(
            request, "Your account and everything imported into it are deleted. Goodbye."
        )
        return redirect("account_login")
    return render(request, "accounts/delete.html")
