"""Stored titles, abstracts and author names lose the characters XML 1.0
cannot carry and take Unicode's composed form (NFC), as every source's text
now does on its way in (papers.records.xml_safe). Changed rows get a new
`updated_at`, so the search index takes them again."""

from django.db import migrations
from django.utils import timezone

from papers.records import xml_safe

BATCH = 2_000


def clean(apps, schema_editor):
    Paper = apps.get_model("papers", "Paper")
    now = timezone.now()
    changed = []
    rows = Paper.objects.values_list("pk", "title", "abstract", "authors")
    for pk, title, abstract, authors in rows.iterator(chunk_size=BATCH):
        clean_authors = [xml_safe(str(name)) for name in authors]
        clean_title, clean_abstract = xml_safe(title), xml_safe(abstract)
        if (clean_title, clean_abstract, clean_authors) != (title, abstract, authors):
            changed.append(
                Paper(
                    pk=pk,
                    title=clean_title,
                    abstract=clean_abstract,
                    authors=clean_authors,
                    updated_at=now,
                )
            )
    Paper.objects.bulk_update(
        changed, ["title", "abstract", "authors", "updated_at"], batch_size=BATCH
    )


class Migration(migrations.Migration):
    dependencies = [("papers", "0010_look_ups")]
    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
