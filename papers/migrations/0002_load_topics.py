from django.db import migrations


def load_topics(apps, schema_editor):
    from papers.taxonomy import CATEGORIES

    Topic = apps.get_model("papers", "Topic")
    Topic.objects.bulk_create(
        [Topic(code=c, name=n, archive=a, group=g) for c, n, a, g in CATEGORIES],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("papers", "0001_initial")]
    operations = [migrations.RunPython(load_topics, migrations.RunPython.noop)]
