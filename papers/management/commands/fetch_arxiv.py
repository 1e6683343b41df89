"""`manage.py fetch_arxiv`: harvest new arXiv papers into the catalogue."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers.fetch import Unavailable, arxiv_client
from papers.harvest import HarvestFailed, UnknownCategories, fetch_arxiv
from papers.management.reporting import PaperBar, write_report
from papers.models import Paper


class Command(BaseCommand):
    help = (
        "Harvest arXiv's new papers of some categories over OAI-PMH (at most one"
        " request every PAPERFEED_ARXIV_MIN_INTERVAL seconds). Without dates it"
        " continues from the last complete harvest, or resumes one that failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--categories",
            nargs="+",
            metavar="CODE",
            help="arXiv categories such as cs.LG cs.CL (default: the"
            " PAPERFEED_ARXIV_CATEGORIES setting).",
        )
        parser.add_argument(
            "--since",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="First day (default: the day after the last complete harvest).",
        )
        parser.add_argument(
            "--until",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="Last day (default: today).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only into an empty catalogue, the last"
            " PAPERFEED_ARXIV_FIRST_DAYS days; offline, say so and carry on."
            " For `make run`.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since, until = options["since"], options["until"]
        if since and until and since > until:
            raise CommandError("--since must not be after --until")
        client = None
        if options["if_empty"]:
            if Paper.objects.exists():
                return
            days = settings.PAPERFEED_ARXIV_FIRST_DAYS
            self.stdout.write(
                f"An empty catalogue: fetching the last {days} days from arXiv."
            )
            # A first start offline should say so at once and in one line, not
            # after minutes of retries.
            client = arxiv_client(retries=0)
        with PaperBar("fetch_arxiv", self.stderr) as bar:
            try:
                report = fetch_arxiv(
                    categories=options["categories"],
                    since=since,
                    until=until,
                    client=client,
                    on_page=bar.update,
                )
            except UnknownCategories as error:
                raise CommandError(str(error)) from None
            except HarvestFailed as error:
                if options["if_empty"] and isinstance(error.__cause__, Unavailable):
                    self.stdout.write(
                        f"Cannot reach arXiv ({error.__cause__}). The site starts with"
                        " an empty catalogue: once online, run `python manage.py"
                        " fetch_arxiv`, or load a file with `make run PAPERS=path`."
                    )
                    return
                raise CommandError(str(error)) from None
        write_report(self, report)
