import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender import collection_feed, feed, index


class Command(BaseCommand):
    help = (
        "Rebuild every reader's stored feed and every collection's feed for the "
        "latest listing days (after new papers arrive; the daily task does the same)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if index.current_index() is None:
            raise CommandError("No text index yet: run `manage.py build_index` first.")
        with tqdm(desc="feeds", unit="reader", file=sys.stderr) as bar:
            built = feed.build_feeds(progress=bar.update)
        for batch in collection_feed.feed_batches():
            built += collection_feed.build_feeds_of(batch)
        self.stdout.write(f"built {built} feed{'s' if built != 1 else ''}")
