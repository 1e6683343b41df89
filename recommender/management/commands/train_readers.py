import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommender import index, refresh


class Command(BaseCommand):
    help = "Retrain readers' models that are missing, stale or of an older index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="retrain every reader with feedback"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if index.current_index() is None:
            raise CommandError("No text index yet: run `manage.py build_index` first.")
        with tqdm(desc="training", unit="reader", file=sys.stderr) as bar:
            trained = refresh.train_readers(
                everyone=options["all"], progress=bar.update
            )
        self.stdout.write(
            f"trained {trained} reader model{'s' if trained != 1 else ''}"
        )
