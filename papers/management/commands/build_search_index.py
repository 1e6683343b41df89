"""`manage.py build_search_index`: bring the search index up to date with the
catalogue (papers.search), or rebuild it whole with --rebuild."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers import search


class Command(BaseCommand):
    help = "Bring the search index up to date with the catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Index every paper again (after a change of the index's analysis).",
        )

    def handle(self, *args: object, rebuild: bool = False, **options: object) -> None:
        started = time.monotonic()
        added = search.catch_up(rebuild=rebuild)
        if added is None:
            raise CommandError(
                "Another process is writing the search index;"
                " try again when it is done."
            )
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Search index: {added:,} papers indexed in {seconds:.1f} s,"
            f" {search.indexed_papers():,} in all ({search.index_path()})."
        )
