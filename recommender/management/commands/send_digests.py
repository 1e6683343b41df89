"""`manage.py send_digests`: the hourly digest run, by hand."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from recommender import digest_sending


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
        active = User.objects.filter(username=username, is_active=True)
        if username is not None and not active.exists():
            raise CommandError(f"no active reader named {username!r}")
        run = digest_sending.send_digests(dry_run=options["dry_run"], username=username)
        if options["dry_run"]:
            for preview in run.previews:
                self.stdout.write(preview)
            if not run.previews:
                self.stdout.write("No digest is due.")
            return
        for name in run.failed:
            self.stderr.write(f"not sent to {name}: see the log")
        self.stdout.write(
            f"sent {len(run.sent)}, nothing new for {len(run.nothing_new)},"
            f" failed {len(run.failed)}"
        )
