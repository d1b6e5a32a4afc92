"""The door for provider push: /webhooks/<provider>/ (DESIGN.md rule 5).

The provider's own webhook module verifies the request and parses it into hints; one service
turns hints into work. CSRF-exempt because providers cannot hold a CSRF token: each verifies in
its own way (a signature, a secret, or nothing it can prove: then hints only make work earlier).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from connections.providers import PROVIDERS
from connections.providers.push import Inbound, refuse
from connections.services.push import push_receive

MAX_BODY = 256 * 1024  # bytes; no provider sends more in one push


def _body(request: HttpRequest) -> bytes | None:
    """The request body, or None when it is over MAX_BODY (never read further than that)."""
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > MAX_BODY:
        return None
    body = request.read(MAX_BODY + 1)
    return None if len(body) > MAX_BODY else body


@csrf_exempt
def provider_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    spec = PROVIDERS.get(provider)
    if spec is None or spec.webhook is None:
        raise Http404("No push for this provider.")
    body = _body(request)
    if body is None:
        delivery = refuse(413, "too_large", "The body is larger than 256 KB.")
    else:
        delivery = spec.webhook(
            Inbound(
                method=request.method or "",
                headers=request.headers,
                body=body,
                remote_addr=request.META.get("REMOTE_ADDR", ""),
                query=request.GET.dict(),
            )
        )
    if delivery.logged:
        push_receive(provider_id=spec.id, delivery=delivery)
    response = HttpResponse(
        delivery.body, status=delivery.status, content_type=delivery.content_type
    )
    for name, value in delivery.extra_headers.items():
        response[name] = value
    return response
