from django.db import migrations


def load_topics(apps, schema_editor):
    from papers.taxonomy import create_topics

    create_topics(apps.get_model("papers", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("papers", "0001_initial")]
    operations = [migrations.RunPython(load_topics, migrations.RunPython.noop)]
