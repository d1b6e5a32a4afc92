"""Days stored before 0005 keep their scores only in their payload (`raw`): each provider that
reads its daily columns from a payload (ProviderSpec.daily_from_raw) fills them in. A payload it
cannot read, or a value out of any plausible range, leaves the column empty, as an import would.
"""

from django.db import migrations

SCORES = ("readiness_score", "sleep_score", "activity_score", "recovery_score", "strain", "hrv_ms")
BATCH = 500
UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, ArithmeticError)


def fill(apps, schema_editor) -> None:
    from connections.providers import PROVIDERS
    from connections.providers.base import RecordData
    from records.services.cleaning import Unstorable, record_clean

    daily_summary = apps.get_model("records", "DailySummary")
    for spec in PROVIDERS.values():
        read = getattr(spec, "daily_from_raw", None)
        if read is None:
            continue
        # Ids first: SQLite must not be written while a cursor over the same table is open.
        ids = list(daily_summary.objects.filter(provider=spec.id).values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            filled = []
            for row in daily_summary.objects.filter(pk__in=ids[start : start + BATCH]):
                try:
                    values = read(row.date, row.raw)
                    record = RecordData(kind="daily", key=row.key, values=values, raw=row.raw)
                    clean = record_clean(record, daily_summary, SCORES).values
                except (*UNREADABLE, Unstorable):
                    continue
                for name in SCORES:
                    setattr(row, name, clean[name])
                filled.append(row)
            daily_summary.objects.bulk_update(filled, SCORES)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0005_daily_scores"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
