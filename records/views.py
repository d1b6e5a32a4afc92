import csv
import json
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from records.selectors import EXPORTS, my_data, records_export


@login_required
def data_index(request: HttpRequest) -> HttpResponse:
    return render(request, "records/index.html", {"sections": my_data(user=request.user)})


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


@login_required
def data_download(request: HttpRequest, feed: str, fmt: str) -> StreamingHttpResponse:
    if feed not in EXPORTS or fmt not in ("csv", "json"):
        raise Http404("No such download.")
    columns, rows = records_export(user=request.user, feed=feed)
    body = _csv(columns, rows) if fmt == "csv" else _json(rows)
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = StreamingHttpResponse(body, content_type=content_type)
    name = f"tendon-{feed}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
