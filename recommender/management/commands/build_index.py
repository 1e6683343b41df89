import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from papers.models import Paper
from recommender import services


class Command(BaseCommand):
    help = (
        "Fit a new text index on the catalogue, vectorize every paper, retrain readers."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        total = Paper.objects.count()
        if total == 0:
            raise CommandError("The catalogue is empty: import papers first.")
        self.stderr.write(f"Fitting the index on {total:,} papers ...")
        with tqdm(
            total=total, desc="vectorizing", unit="paper", file=sys.stderr
        ) as bar:
            record = services.build_index(progress=bar.update)
        self.stdout.write(
            f"index {record.version}: {record.n_terms:,} terms,"
            f" {record.n_papers:,} papers"
        )
        trained = services.train_readers()
        self.stdout.write(
            f"retrained {trained} reader model{'s' if trained != 1 else ''}"
        )
