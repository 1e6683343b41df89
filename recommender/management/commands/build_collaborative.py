import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from recommender import collaborative, index


class Command(BaseCommand):
    help = (
        "Build the signal of all readers' likes now and store it for every"
        " process (a reader's refresh asks for a build once it is"
        " PAPERFEED_COLLABORATIVE_TTL seconds old)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        current = index.current_corpus()
        if current is None:
            raise CommandError("No text index yet: run `manage.py build_index` first.")
        started = time.perf_counter()
        stored = collaborative.build_signal(current.corpus, force=True)
        if stored is None:
            raise CommandError("Another process is building it now.")
        self.stdout.write(
            f"stored {stored.version}: {stored.likes} likes over {stored.papers}"
            f" papers in {time.perf_counter() - started:.1f} s"
        )
