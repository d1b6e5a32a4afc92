"""The demo provider's pages: its own sign-in, the consent page, and a page to break your grant."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.views import AuthorizationView

from sandbox import changes, push
from sandbox.forms import ConsentForm, SandboxLoginForm
from sandbox.identity import current_person, health_user_id, sign_in, sign_out
from sandbox.scopes import PERMISSIONS


def login(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("sandbox:grants")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("sandbox:grants")
    form = SandboxLoginForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        sign_in(request, form.cleaned_data["person"])
        return redirect(next_url)
    return render(request, "sandbox/login.html", {"form": form, "next": next_url})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    return redirect("sandbox:login")


class ConsentView(AuthorizationView):
    """django-oauth-toolkit's authorization endpoint, signed in as the sandbox's own person."""

    form_class = ConsentForm
    template_name = "sandbox/authorize.html"

    def dispatch(self, request, *args, **kwargs):
        person = current_person(request)
        if person is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('sandbox:login')}?{query}")
        request.user = person
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        initial["granted"] = initial.get("scope", "").split()
        initial["include_granted_scopes"] = self.request.GET.get("include_granted_scopes", "")
        return initial

    def _granted_before(self, client_id: str) -> set[str]:
        """What this person already allowed this application (their live tokens' scopes)."""
        tokens = AccessToken.objects.filter(
            user=self.request.user, application__client_id=client_id
        ).values_list("scope", flat=True)
        return {scope for token_scopes in tokens for scope in token_scopes.split()}

    def get_context_data(self, **kwargs):
        """With include_granted_scopes=true (Google's incremental authorization), the page
        asks only for what this person has not allowed yet."""
        context = super().get_context_data(**kwargs)
        if self.request.GET.get("include_granted_scopes") == "true" and "scopes" in context:
            before = self._granted_before(context.get("client_id", ""))
            new = [scope for scope in context["scopes"] if scope not in before]
            if new:
                context["scopes"] = new
                context["granted_before"] = [p.label for s, p in PERMISSIONS.items() if s in before]
        return context

    def form_valid(self, form):
        """The grant covers what was ticked and, incrementally, everything allowed before."""
        if form.cleaned_data.get("allow") and form.cleaned_data.get("include_granted_scopes"):
            before = self._granted_before(form.cleaned_data["client_id"])
            ticked = form.cleaned_data["scope"].split()
            form.cleaned_data["scope"] = " ".join(ticked + sorted(before - set(ticked)))
        return super().form_valid(form)


def grants(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    if person is None:
        return redirect(f"{reverse('sandbox:login')}?{urlencode({'next': request.path})}")
    return render(
        request,
        "sandbox/grants.html",
        {
            "person": person,
            "access_tokens": AccessToken.objects.filter(user=person).select_related("application"),
            "refresh_tokens": RefreshToken.objects.filter(user=person, revoked__isnull=True),
            "recent": [
                (data_type, point, changes.data_point_time(point))
                for data_type, point in changes.recent(person)
            ],
        },
    )


@require_GET
def keyset(request: HttpRequest) -> JsonResponse:
    """The demo provider's public keyset (Tink JSON), as Google publishes its own."""
    response = JsonResponse(push.tink_keyset(push.private_key().public_key()))
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_POST
def add_workout(request: HttpRequest) -> HttpResponse:
    """Adds a run that just ended and tells Tendon at once, as a watch syncing would."""
    person = current_person(request)
    if person is None:
        return redirect("sandbox:login")
    with transaction.atomic():
        point = changes.add_workout(person)
        start, end = changes.data_point_interval(point)
        push.push_change(
            uid=health_user_id(person),
            data_type="exercise",
            operation="UPSERT",
            start=start,
            end=end,
        )
    messages.info(
        request,
        f"Added a run from {start:%H:%M} to {end:%H:%M} UTC. Demo Health told Tendon; "
        "it shows in My data within seconds.",
    )
    return redirect("sandbox:grants")


@require_POST
def delete_point(request: HttpRequest) -> HttpResponse:
    """Deletes a workout or weigh-in and tells Tendon, which deletes its copy."""
    person = current_person(request)
    if person is None:
        return redirect("sandbox:login")
    data_type = request.POST.get("data_type", "")
    with transaction.atomic():
        point = changes.delete_point(person, data_type=data_type, name=request.POST.get("name", ""))
        if point is not None:
            start, end = changes.data_point_interval(point)
            push.push_change(
                uid=health_user_id(person),
                data_type=data_type,
                operation="DELETE",
                start=start,
                end=end,
            )
    if point is None:
        messages.info(request, "That record is not there any more.")
    else:
        messages.info(request, "Deleted. Demo Health told Tendon, which deletes its copy too.")
    return redirect("sandbox:grants")


@require_POST
def expire_access(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    if person is not None:
        past = timezone.now() - timezone.timedelta(seconds=1)
        count = AccessToken.objects.filter(user=person).update(expires=past)
        messages.info(
            request, f"Expired {count} access token(s). Tendon should renew them silently."
        )
    return redirect("sandbox:grants")


@require_POST
def revoke_grant(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    if person is not None:
        refresh_tokens = RefreshToken.objects.filter(user=person, revoked__isnull=True)
        for refresh_token in refresh_tokens:
            refresh_token.revoke()
        AccessToken.objects.filter(user=person).delete()
        messages.info(
            request,
            "Revoked every grant you gave. Tendon will ask you to reconnect at its next import.",
        )
    return redirect("sandbox:grants")
