"""The admin at scale (PostgreSQL): 20,000 connections with 100 and with 1,000,000 import runs.

    .venv/bin/python bench/admin_scale.py [--runs 100 1000000] [--connections 20000]

For each size it prints the time and query count of: the connections changelist, its search by
e-mail, the import-run changelist and the health dashboard, next to the same pages of a stock
ModelAdmin (no list_select_related, full counts, DISTINCT filters, icontains search) on the
same data.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_on, drop_postgres, throwaway_database  # noqa: E402


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


def fill_runs(total: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from connections.models import Connection, ImportRun

    ids = list(Connection.objects.values_list("pk", flat=True))
    now = timezone.now()
    batch = 20_000
    outcomes = ["ok"] * 8 + ["failed", "partial"]
    for start in range(0, total, batch):
        ImportRun.objects.bulk_create(
            [
                ImportRun(
                    connection_id=ids[i % len(ids)],
                    claim_token=uuid.uuid4(),
                    outcome=outcomes[i % 10],
                    queued_at=now,
                    started_at=now,
                    finished_at=now,
                    api_calls=3,
                    created_count=i % 7,
                    error_code="unreachable" if outcomes[i % 10] == "failed" else "",
                )
                for i in range(start, min(start + batch, total))
            ]
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure(client, url: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and templates
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - began
    assert response.status_code == 200, (url, response.status_code)
    return seconds, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[100, 1_000_000])
    parser.add_argument("--connections", type=int, default=20_000)
    args = parser.parse_args()
    url = throwaway_database("postgres")
    django_on(url)
    from django.conf import settings
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import include, path

    from bench._fill import fill_connections
    from connections.models import ImportRun

    settings.ALLOWED_HOSTS = ["*"]
    stock = stock_site()
    urlconf = type(sys)("bench_urls")
    urlconf.urlpatterns = [path("stock-admin/", stock.urls), path("", include("config.urls"))]
    sys.modules["bench_urls"] = urlconf

    fill_connections(args.connections, due=False)
    staff = get_user_model().objects.create_superuser(email="bench-admin@example.com", password="x")
    email = "scale123@example.com"
    pages = [
        (
            "connections changelist",
            "/admin/connections/connection/",
            "/stock-admin/connections/connection/",
        ),
        (
            "connections search",
            f"/admin/connections/connection/?q={email}",
            f"/stock-admin/connections/connection/?q={email}",
        ),
        (
            "import-run changelist",
            "/admin/connections/importrun/",
            "/stock-admin/connections/importrun/",
        ),
        ("health dashboard", "/admin/health/", None),
    ]
    with override_settings(ROOT_URLCONF="bench_urls", DEBUG=False):
        client = Client()
        client.force_login(staff)
        filled = 0
        for runs in sorted(args.runs):
            fill_runs(runs - filled)
            filled = runs
            print(f"{args.connections:,} connections, {ImportRun.objects.count():,} import runs:")
            for name, tuned, plain in pages:
                seconds, queries = measure(client, tuned)
                line = f"  {name:24} tendon {seconds * 1000:8.1f} ms {queries:3} queries"
                if plain:
                    stock_seconds, stock_queries = measure(client, plain)
                    line += f"   stock {stock_seconds * 1000:8.1f} ms {stock_queries:3} queries"
                print(line)
    del admin
    drop_postgres(url)


if __name__ == "__main__":
    main()
