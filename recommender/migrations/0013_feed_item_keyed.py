# Feed items keyed by (reader, day, paper), with no other index: a new table,
# the items copied into it, the old one dropped. Django cannot turn a table's
# key into a composite one in place.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COLUMNS = "user_id, day, paper_id, score, terms, closest_liked_id, followed_author"


def copying(source: str, target: str) -> str:
    return f"INSERT INTO {target} ({COLUMNS}) SELECT {COLUMNS} FROM {source}"


def renaming_key(old: str, new: str):
    """PostgreSQL names a table's key after the table it was made in."""

    def rename(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER INDEX {old}_pkey RENAME TO {new}_pkey")

    return rename


def unconstrained(to, on_delete, **options):
    return models.ForeignKey(
        db_constraint=False, db_index=False, on_delete=on_delete, to=to, **options
    )


class Migration(migrations.Migration):

    dependencies = [
        ("papers", "0011_text_xml_safe"),
        ("recommender", "0012_feed_item_paper_unindexed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FeedItemKeyed",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "user",
                        "day",
                        "paper",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "user",
                    unconstrained(
                        settings.AUTH_USER_MODEL,
                        django.db.models.deletion.CASCADE,
                        related_name="+",
                    ),
                ),
                (
                    "paper",
                    unconstrained(
                        "papers.paper",
                        django.db.models.deletion.CASCADE,
                        related_name="+",
                    ),
                ),
                ("day", models.DateField()),
                ("score", models.FloatField()),
                ("terms", models.JSONField(default=list)),
                (
                    "closest_liked",
                    unconstrained(
                        "papers.paper",
                        django.db.models.deletion.SET_NULL,
                        blank=True,
                        null=True,
                        related_name="+",
                    ),
                ),
                ("followed_author", models.CharField(blank=True, max_length=1000)),
            ],
        ),
        migrations.RunSQL(
            copying("recommender_feeditem", "recommender_feeditemkeyed"),
            reverse_sql=copying("recommender_feeditemkeyed", "recommender_feeditem"),
        ),
        migrations.DeleteModel(name="FeedItem"),
        migrations.RenameModel(old_name="FeedItemKeyed", new_name="FeedItem"),
        migrations.RunPython(
            renaming_key("recommender_feeditemkeyed", "recommender_feeditem"),
            renaming_key("recommender_feeditem", "recommender_feeditemkeyed"),
        ),
        migrations.AlterField(
            model_name="feeditem",
            name="user",
            field=unconstrained(
                settings.AUTH_USER_MODEL,
                django.db.models.deletion.CASCADE,
                related_name="feed_items",
            ),
        ),
    ]
