"""Retire the names of our actors whose account or channel was deleted before videos.RetiredHandle
existed, so that no new account or channel takes them over either."""

from django.db import migrations

OWNED_TYPES = ["Person", "Group"]  # the instance's Application actor has a reserved name of its own


def retire_orphan_actor_names(apps, schema_editor) -> None:
    actors = apps.get_model("federation", "Actor").objects.filter(
        host="", account=None, channel=None, type__in=OWNED_TYPES
    )
    retired_handle = apps.get_model("videos", "RetiredHandle")
    names = set(actors.values_list("preferred_username", flat=True))
    retired_handle.objects.bulk_create([retired_handle(name=name) for name in names], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0007_actors_outlive_their_owners"),
        ("videos", "0008_retiredhandle"),
    ]

    operations = [migrations.RunPython(retire_orphan_actor_names, migrations.RunPython.noop)]
