"""GIN index for the API search (PostgreSQL only; SQLite uses the substring fallback).

Replaced by a stored, weighted document column in migration 0013.
"""

from django.db import migrations

INDEX_NAME = "video_search_document"
DOCUMENT = "to_tsvector('simple'::regconfig, name || ' ' || description)"


def create_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON videos_video USING gin ({DOCUMENT})")


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("videos", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
