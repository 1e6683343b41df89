"""`manage.py fetch_hf_daily`: Hugging Face's daily papers and their upvotes."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers.harvest import HarvestFailed, fetch_hf_daily
from papers.management.reporting import write_report


class Command(BaseCommand):
    help = (
        "Store the papers of Hugging Face's daily list with their upvotes; papers"
        " new to the catalogue are looked up on arXiv for their categories."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="The day's list (default: today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = fetch_hf_daily(day=options["date"])
        except HarvestFailed as error:
            raise CommandError(str(error)) from None
        write_report(self, report)
