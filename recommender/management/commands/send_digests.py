"""`manage.py send_digests`: the hourly digest run, by hand."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from recommender import digests


class Command(BaseCommand):
    help = (
        "Send each reader whose digest is due their top new For-you papers"
        " (what the hourly task does). --user sends one reader's now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be sent; send and change nothing.",
        )
        parser.add_argument(
            "--user", metavar="NAME", help="Only this reader, due or not."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["user"]
        if username is not None and not User.objects.filter(username=username).exists():
            raise CommandError(f"no reader named {username!r}")
        run = digests.send_digests(dry_run=options["dry_run"], username=username)
        if options["dry_run"]:
            for preview in run.previews:
                self.stdout.write(preview)
            if not run.previews:
                self.stdout.write("No digest is due.")
            return
        for name in run.failed:
            self.stderr.write(f"not sent to {name}: see the log; retried next run")
        self.stdout.write(
            f"sent {len(run.sent)}, nothing new for {len(run.nothing_new)},"
            f" failed {len(run.failed)}"
        )
