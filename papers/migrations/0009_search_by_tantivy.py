"""Search moves to the tantivy index of papers.search: the PostgreSQL search
vector, its trigger and its GIN index go, and `updated_at` gets the index by
which the search index follows the table."""

import importlib

from django.db import migrations, models

# The trigger and index that 0003 made, and how it removed them.
_0003 = importlib.import_module("papers.migrations.0003_search_vector_postgres")


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_0003.BACKWARD)


def restore_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_0003.FORWARD)


class Migration(migrations.Migration):
    dependencies = [("papers", "0008_legacy_topics")]
    operations = [
        migrations.RunPython(drop_trigger, restore_trigger),
        migrations.RemoveField(model_name="paper", name="search_vector"),
        migrations.AddIndex(
            model_name="paper",
            index=models.Index(fields=["updated_at"], name="paper_updated"),
        ),
    ]
