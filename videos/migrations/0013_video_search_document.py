"""The search document as a stored column (PostgreSQL only; SQLite uses the substring fallback).

Until now the GIN index was on an expression and the rank recomputed both weighted vectors for every
matching row: at 100 000 videos a query matching 1 % spent ~40 ms there. PostgreSQL now keeps the weighted
document (name A, description C) in a generated column, indexed, that matching and ranking read as is.
videos.services.search names the column.
"""

from django.db import migrations

DOCUMENT = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'C')"
)
OLD_INDEX = "video_search_document"
OLD_DOCUMENT = "to_tsvector('simple'::regconfig, name || ' ' || description)"


def add_column(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE videos_video ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED"
        )
        schema_editor.execute("CREATE INDEX video_search_document_column ON videos_video USING gin (search_document)")
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


def drop_column(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON videos_video USING gin ({OLD_DOCUMENT})")
        schema_editor.execute("ALTER TABLE videos_video DROP COLUMN search_document")


class Migration(migrations.Migration):
    dependencies = [("videos", "0012_video_storage")]
    operations = [migrations.RunPython(add_column, drop_column)]
