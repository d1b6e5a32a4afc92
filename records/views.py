import csv
import json
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from records.charts import my_data_charts
from records.exports import EXPORTS, records_export
from records.forms import DownloadRangeForm
from records.metrics import METRICS
from records.omh import omh_data_points
from records.selectors import my_data
from records.series import DEFAULT_RANGE, RANGES, preferred_sources
from records.services.preferences import UnknownSource, source_preference_set
from records.zipstream import zip_stream

FORMATS = {  # as in /data/<feed>.<format>: (file extension, content type)
    "csv": ("csv", "text/csv; charset=utf-8"),
    "json": ("json", "application/json"),
    "omh.json": ("omh.json", "application/json"),
}


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 7 else 1


def _page_link(request: HttpRequest, section, page: int) -> str:
    if not 1 <= page <= section.pages:
        return ""
    query = request.GET.copy()
    query[section.page_param] = str(page)
    return f"?{query.urlencode()}#{section.slug}"


@login_required
def data_index(request: HttpRequest) -> HttpResponse:
    range_key = request.GET.get("range", DEFAULT_RANGE)
    if range_key not in RANGES:
        range_key = DEFAULT_RANGE
    pages = {
        key.removesuffix("_page"): _page_number(value)
        for key, value in request.GET.items()
        if key.endswith("_page")
    }
    preferences = preferred_sources(request.user)  # the tables and the charts pick alike
    sections = my_data(user=request.user, pages=pages, preferences=preferences)
    for section in sections:
        section.newer_url = _page_link(request, section, section.page - 1)
        section.older_url = _page_link(request, section, section.page + 1)
    charts = my_data_charts(
        user=request.user,
        range_key=range_key,
        today=timezone.localdate(),
        preferences=preferences,
    )
    context = {
        "sections": sections,
        "charts": charts,
        "ranges": RANGES,
        "range_key": range_key,
        "nothing_yet": not any(section.count for section in sections),
    }
    return render(request, "records/index.html", context)


class _Echo:
    """A file that hands back what is written, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell a spreadsheet shows as text: a provider-supplied '=HYPERLINK(…)' or '+1+1' gets a
    leading apostrophe (OWASP's advice against CSV injection); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(columns: list[str], rows: Iterator[dict]) -> Iterator[str]:
    writer = csv.DictWriter(_Echo(), fieldnames=columns)
    yield writer.writeheader()
    for row in rows:
        if isinstance(row.get("stages"), dict):
            row["stages"] = json.dumps(row["stages"], sort_keys=True)
        yield writer.writerow({column: csv_cell(value) for column, value in row.items()})


def _json(rows: Iterator[dict]) -> Iterator[str]:
    yield "["
    for index, row in enumerate(rows):
        yield ("," if index else "") + "\n" + json.dumps(row)
    yield "\n]\n"


def _body(user, feed: str, fmt: str, first, last) -> Iterator[str]:
    if fmt == "omh.json":
        return _json(omh_data_points(user=user, feed=feed, first=first, last=last))
    columns, rows = records_export(user=user, feed=feed, first=first, last=last)
    return _csv(columns, rows) if fmt == "csv" else _json(rows)


def _bad_range(request: HttpRequest, form: DownloadRangeForm) -> HttpResponse:
    return render(request, "records/download_refused.html", {"problem": form.problem()}, status=400)


def _attachment(response: StreamingHttpResponse, name: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def data_download(request: HttpRequest, feed: str, fmt: str) -> HttpResponse:
    if feed not in EXPORTS or fmt not in FORMATS:
        raise Http404("No such download.")
    form = DownloadRangeForm(request.GET)
    if not form.is_valid():
        return _bad_range(request, form)
    first, last = form.cleaned_data["start"], form.cleaned_data["end"]
    extension, content_type = FORMATS[fmt]
    body = _body(request.user, feed, fmt, first, last)
    response = StreamingHttpResponse(body, content_type=content_type)
    return _attachment(response, f"tendon-{feed}-{timezone.localdate():%Y-%m-%d}.{extension}")


@login_required
def data_download_all(request: HttpRequest) -> HttpResponse:
    """Every feed in one zip, in the chosen format, streamed."""
    fmt = request.GET.get("format", "csv")
    if fmt == "omh":
        fmt = "omh.json"
    if fmt not in FORMATS:
        raise Http404("No such download.")
    form = DownloadRangeForm(request.GET)
    if not form.is_valid():
        return _bad_range(request, form)
    first, last = form.cleaned_data["start"], form.cleaned_data["end"]
    extension = FORMATS[fmt][0]
    files = (
        (f"tendon-{feed}.{extension}", _body(request.user, feed, fmt, first, last))
        for feed in EXPORTS
    )
    response = StreamingHttpResponse(
        zip_stream(files, when=timezone.localtime()), content_type="application/zip"
    )
    suffix = "" if fmt == "csv" else f"-{fmt.split('.')[0]}"
    return _attachment(response, f"tendon-everything{suffix}-{timezone.localdate():%Y-%m-%d}.zip")


@login_required
@require_POST
def source_preferences(request: HttpRequest) -> HttpResponse:
    """Settings: which service's numbers My data shows first, per metric."""
    chosen = {
        key: request.POST[f"prefer_{key}"] for key in METRICS if f"prefer_{key}" in request.POST
    }
    try:
        with transaction.atomic():
            for metric, provider in chosen.items():
                source_preference_set(user=request.user, metric=metric, provider=provider)
    except UnknownSource:
        messages.error(request, "That service cannot be chosen there. Nothing was changed.")
        return redirect("notification_preferences")
    messages.success(request, "Your preferred sources are saved. My data shows them first.")
    return redirect("notification_preferences")
