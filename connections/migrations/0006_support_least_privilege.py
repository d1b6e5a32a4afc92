"""Least privilege for the Support group: connections, runs, events, set-aside records and
revocations, but no imported health values. Those need the "view health data" permission, which
the new "Health data viewers" group holds (nobody is in it by default)."""

from django.db import migrations

SUPPORT = "Support"
VIEWERS = "Health data viewers"
RECORD_MODELS = ["activity", "sleepsession", "bodymeasurement", "dailysummary"]
SUPPORT_GAINS = [
    ("connections", "setasiderecord"),
    ("connections", "revocation"),
    ("records", "staffrecordview"),
]


def _permissions(apps):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    return apps.get_model("auth", "Permission")


def forwards(apps, schema_editor):
    Permission = _permissions(apps)
    Group = apps.get_model("auth", "Group")
    support, _ = Group.objects.get_or_create(name=SUPPORT)
    record_views = list(
        Permission.objects.filter(
            content_type__app_label="records",
            codename__in=[f"view_{model}" for model in RECORD_MODELS],
        )
    )
    support.permissions.remove(*record_views)
    support.permissions.add(
        *[
            Permission.objects.get(content_type__app_label=app, codename=f"view_{model}")
            for app, model in SUPPORT_GAINS
        ]
    )
    viewers, _ = Group.objects.get_or_create(name=VIEWERS)
    viewers.permissions.set(
        [*record_views, Permission.objects.get(codename="view_health_data")]
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name=VIEWERS).delete()
    support = Group.objects.filter(name=SUPPORT).first()
    if support is not None:
        support.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="records",
                codename__in=[f"view_{model}" for model in RECORD_MODELS],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0005_revocations_and_flag_causes"),
        ("records", "0002_health_data_permission_and_audit"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
