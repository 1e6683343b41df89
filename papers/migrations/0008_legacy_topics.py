from django.db import migrations, models

import papers.records


def load_legacy_topics(apps, schema_editor):
    from papers.taxonomy import create_legacy_topics

    create_legacy_topics(apps.get_model("papers", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("papers", "0007_paper_dated_by_id")]

    operations = [
        migrations.AlterModelOptions(
            name="topic", options={"ordering": ["legacy", "group", "archive", "code"]}
        ),
        migrations.AddField(
            model_name="topic",
            name="legacy",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="topic",
            name="successor",
            field=models.CharField(
                blank=True, max_length=papers.records.MAX_CATEGORY
            ),
        ),
        # Papers already imported gain their links to these topics when their
        # file is imported again (the import relinks changed categories).
        migrations.RunPython(load_legacy_topics, migrations.RunPython.noop),
    ]
