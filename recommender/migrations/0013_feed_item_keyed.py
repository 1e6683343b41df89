# Feed items keyed by (reader, day, paper), with no other index: a new table,
# the items copied into it, the old one dropped. Django cannot turn a table's
# key into a composite one in place.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COPY = """
INSERT INTO recommender_feeditemkeyed
    (user_id, day, paper_id, score, terms, closest_liked_id, followed_author)
SELECT user_id, day, paper_id, score, terms, closest_liked_id, followed_author
FROM recommender_feeditem
"""
COPY_BACK = """
INSERT INTO recommender_feeditem
    (user_id, day, paper_id, score, terms, closest_liked_id, followed_author)
SELECT user_id, day, paper_id, score, terms, closest_liked_id, followed_author
FROM recommender_feeditemkeyed
"""


def name_the_key(apps, schema_editor):
    """PostgreSQL names the key after the table it was made in."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER INDEX recommender_feeditemkeyed_pkey"
            " RENAME TO recommender_feeditem_pkey"
        )


def name_the_key_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER INDEX recommender_feeditem_pkey"
            " RENAME TO recommender_feeditemkeyed_pkey"
        )


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
        migrations.RunSQL(COPY, reverse_sql=COPY_BACK),
        migrations.DeleteModel(name="FeedItem"),
        migrations.RenameModel(old_name="FeedItemKeyed", new_name="FeedItem"),
        migrations.RunPython(name_the_key, name_the_key_back),
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
