import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from papers.models import Paper
from recommender import index, refresh


class Command(BaseCommand):
    help = (
        "Fit a new text index on the catalogue, vectorize every paper, retrain readers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="only when there is no index yet and papers to fit it on",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        total = Paper.objects.count()
        if options["if_missing"] and (total == 0 or index.current_index()):
            return
        if total == 0:
            raise CommandError("The catalogue is empty: import papers first.")
        self.stderr.write(
            f"Fitting the vocabulary and LSA on {total:,} papers"
            " (a minute or two for a hundred thousand) ..."
        )
        # The bar starts with the vectorizing: shown during the fit, it would
        # sit at 0% with an estimate of hours.
        bars: list[tqdm[Any]] = []

        def vectorized(count: int) -> None:
            if not bars:
                bars.append(
                    tqdm(total=total, desc="vectorizing", unit="paper", file=sys.stderr)
                )
            bars[0].update(count)

        record = index.build_index(progress=vectorized)
        for bar in bars:
            bar.close()
        self.stdout.write(
            f"index {record.version}: {record.n_terms:,} terms,"
            f" {record.n_papers:,} papers"
        )
        with tqdm(desc="retraining", unit="reader", file=sys.stderr) as bar:
            trained = refresh.train_readers(progress=bar.update)
        self.stdout.write(
            f"retrained {trained} reader model{'s' if trained != 1 else ''}"
        )
