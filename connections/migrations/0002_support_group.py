"""The "Support" group: may view everything and run the connection actions; may not delete users,
connections, credentials or records, and may not change tokens (no admin form holds them)."""

from django.db import migrations

GROUP = "Support"
VIEW = [
    ("accounts", "user"),
    ("connections", "credential"),
    ("connections", "connection"),
    ("connections", "importrun"),
    ("connections", "connectionevent"),
    ("records", "activity"),
    ("records", "sleepsession"),
    ("records", "bodymeasurement"),
    ("records", "dailysummary"),
]
OPERATE = ("connections", "operate_connection")


def create_support_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; this group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=app, codename=f"view_{model}")
        for app, model in VIEW
    ]
    wanted.append(Permission.objects.get(content_type__app_label=OPERATE[0], codename=OPERATE[1]))
    group.permissions.set(wanted)


def remove_support_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("connections", "0001_initial"),
        ("records", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_support_group, remove_support_group)]
