"""The support console at scale (PostgreSQL): a million connections and a million import runs.

    .venv/bin/python bench/admin_scale.py [--people 200000] [--runs 1000000] [--repeat 5]

Fills a throwaway database in the database itself (INSERT … SELECT generate_series): `people`
people with one grant and five feeds each (1,000,000 connections by default), in the states
support meets, and `runs` import runs over two days. Then it prints, for each page, the median
time and the query count of Tendon's admin next to a stock ModelAdmin on the same data (no
list_select_related, full counts, DISTINCT filters, icontains search): the connections list,
the searches by exact e-mail, provider account id and connection id, the import-run list, and
the health dashboard (which reads the counts the worker keeps; the worker's own cost to count
them is printed too).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_on, drop_postgres, throwaway_database  # noqa: E402

FEEDS = ("activities", "sleep", "body", "heart_rate", "daily")


def stock_site():
    """A second admin site with plain ModelAdmins: what Django gives without the tuning."""
    from django.contrib import admin

    from connections.models import Connection, ImportRun

    site = admin.AdminSite(name="stock")

    class StockConnectionAdmin(admin.ModelAdmin):
        list_display = (
            "id",
            "user",
            "provider",
            "feed",
            "credential",
            "last_success_at",
            "next_run_at",
            "last_error_code",
        )
        list_filter = ("provider", "feed", "enabled")
        search_fields = ("user__email", "account_uid")

    class StockImportRunAdmin(admin.ModelAdmin):
        list_display = ("id", "connection", "outcome", "queued_at", "api_calls", "error_code")
        list_filter = ("outcome", "error_code")
        search_fields = ("connection__user__email",)

    site.register(Connection, StockConnectionAdmin)
    site.register(ImportRun, StockImportRunAdmin)
    return site


def measure(client, url: str, repeat: int) -> tuple[float, int]:
    """The median time of `repeat` loads (after one to warm up), and the queries of one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200_000, help="five connections each")
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = throwaway_database("postgres")
    django_on(url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import include, path

    from bench._fill import fill_connections_sql
    from connections.models import Connection
    from connections.services.health import health_refresh

    settings.ALLOWED_HOSTS = ["*"]
    stock = stock_site()
    urlconf = type(sys)("bench_urls")
    urlconf.urlpatterns = [path("stock-admin/", stock.urls), path("", include("config.urls"))]
    sys.modules["bench_urls"] = urlconf

    began = time.perf_counter()
    fill_connections_sql(args.people, feeds=FEEDS, runs=args.runs)
    filled = time.perf_counter() - began
    target = Connection.objects.order_by("pk")[args.people * len(FEEDS) // 2]
    email, account, pk = target.user.email, target.account_uid, target.pk
    began = time.perf_counter()
    health_refresh()  # what the worker does every 5 minutes
    counting = time.perf_counter() - began
    staff = get_user_model().objects.create_superuser(email="bench-admin@example.com", password="x")
    connections, runs = "/admin/connections/connection/", "/admin/connections/importrun/"
    stock_connections = "/stock-admin/connections/connection/"
    searches = [("exact e-mail", email), ("provider account", account), ("connection id", pk)]
    pages = [
        ("connections list, page 1", connections, stock_connections),
        *[
            (f"search: {what}", f"{connections}?q={term}", f"{stock_connections}?q={term}")
            for what, term in searches
        ],
        ("import-run list, page 1", runs, "/stock-admin/connections/importrun/"),
        ("health dashboard", "/admin/health/", None),
    ]
    print(
        f"{Connection.objects.count():,} connections of {args.people:,} people, "
        f"{args.runs:,} import runs (filled in {filled:.0f} s; the worker counts them for the "
        f"dashboard in {counting:.1f} s). Median of {args.repeat} loads:"
    )
    print(f"  {'page':28} {'tendon':>10} {'queries':>7}  {'stock':>10} {'queries':>7}  faster")
    with override_settings(ROOT_URLCONF="bench_urls", DEBUG=False):
        client = Client()
        client.force_login(staff)
        for name, tuned, plain in pages:
            seconds, queries = measure(client, tuned, args.repeat)
            line = f"  {name:28} {seconds * 1000:8.1f} ms {queries:7}"
            if plain:
                stock_seconds, stock_queries = measure(client, plain, args.repeat)
                line += (
                    f"  {stock_seconds * 1000:8.1f} ms {stock_queries:7}"
                    f"  {stock_seconds / seconds:5.1f}×"
                )
            print(line)
    drop_postgres(url)


if __name__ == "__main__":
    main()
