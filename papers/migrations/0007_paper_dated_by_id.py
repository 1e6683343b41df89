import datetime as dt
from collections import defaultdict

from django.db import migrations, models
from django.utils import timezone

from papers.arxiv_ids import month_of

# A real listing comes within weeks of the id's month; an import day that far
# from it was the old fallback for a paper no source dated.
PLAUSIBLE_LISTING = dt.timedelta(days=45)


def date_undated_papers_by_their_ids(apps, schema_editor):
    """Until now a paper with neither a listing nor a first-version date was
    put on the day it was imported. Such a paper goes back to the month its
    id names, marked as dated by its id, with its topic links."""
    Paper = apps.get_model("papers", "Paper")
    PaperTopic = apps.get_model("papers", "PaperTopic")
    by_month = defaultdict(list)
    rows = Paper.objects.filter(published_on__isnull=True).values_list(
        "pk", "arxiv_id", "announced_on", "created_at"
    )
    for pk, arxiv_id, announced_on, created_at in rows.iterator(chunk_size=5000):
        month = month_of(arxiv_id)
        imported = {created_at.date(), timezone.localdate(created_at)}
        if (
            month is not None
            and announced_on in imported
            and announced_on - month > PLAUSIBLE_LISTING
        ):
            by_month[month].append(pk)
    for month, pks in by_month.items():
        for start in range(0, len(pks), 5000):
            chunk = pks[start : start + 5000]
            Paper.objects.filter(pk__in=chunk).update(
                announced_on=month, dated_by_id=True
            )
            PaperTopic.objects.filter(paper_id__in=chunk).update(announced_on=month)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0006_likes_counted_by_the_recommender"),
    ]

    operations = [
        migrations.AddField(
            model_name="paper",
            name="dated_by_id",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(
            date_undated_papers_by_their_ids, migrations.RunPython.noop, elidable=True
        ),
    ]
