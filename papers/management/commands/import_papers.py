"""`manage.py import_papers PATH...`: load paper records into the catalogue:
JSONL files, and saved responses of arXiv's API (Atom), arXiv's OAI-PMH and
Hugging Face's daily papers.

The command only reads files, reports and shows progress; validation and the
database work live in `papers.records` and `papers.ingest`, shared with the
fetchers.
"""

import gzip
import io
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from papers.ingest import DEFAULT_BATCH_SIZE, refresh_statistics, upsert_papers
from papers.management.reporting import Stream, summary
from papers.models import Paper
from papers.parsers.errors import FetchError
from papers.parsers.saved import parse_saved
from papers.records import InvalidRecord, PaperRecord, parse_line
from papers.signals import catalogue_changed
from papers.upsert import UpsertResult

LINE_SUFFIXES = (".jsonl", ".jsonl.gz")
DOCUMENT_SUFFIXES = (".xml", ".xml.gz", ".json", ".json.gz")
SUFFIXES = LINE_SUFFIXES + DOCUMENT_SUFFIXES
NO_PAPERS_HINT = (
    "No papers yet: run 'make run PAPERS=path/to/papers.jsonl.gz' "
    "or 'python manage.py import_papers PATH'."
)
# A saved response is parsed whole; one larger than this is refused unread.
MAX_DOCUMENT_BYTES = 256 * 2**20
# A line longer than this is refused unread, so one broken or hostile line cannot
# exhaust memory. Far above the largest legal record (200,000-character abstract,
# even fully \u-escaped).
MAX_LINE_BYTES = 16 * 2**20
# Without a terminal (logs, CI, `make run` piped), a line every so many papers.
PLAIN_PROGRESS_EVERY = 20_000


class Command(BaseCommand):
    help = (
        "Import papers from .jsonl(.gz) files (the ../shared/data record format)"
        " or saved responses: arXiv API Atom or OAI-PMH .xml(.gz), Hugging Face"
        " daily papers .json(.gz). Upserts by arXiv id: re-running a file changes"
        " nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Import only into an empty catalogue; without PATH, say how to "
            "load papers. For `make run`.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="Papers per transaction (default %(default)s).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Batches written at once on PostgreSQL, whose search-vector "
            "trigger bounds the import speed (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        if options["if_empty"] and self._stopped_by_if_empty(paths):
            return
        batch_size: int = options["batch_size"]
        workers: int = options["workers"]
        _check_arguments(paths, batch_size=batch_size, workers=workers)

        # One stream object for the bar and the messages, so tqdm can tell they
        # share a terminal and redraw the bar below each message.
        self._err = Stream(self.stderr)
        reader = RecordReader(paths, report=self._report_bad_line)
        committed = self._import(reader, batch_size=batch_size, workers=workers)
        self._report_committed(committed, skipped=reader.skipped)

    def _stopped_by_if_empty(self, paths: list[Path]) -> bool:
        """For --if-empty: whether to import nothing, having said why."""
        count = Paper.objects.count()
        if count:
            self.stdout.write(
                f"The catalogue already holds {_papers(count)}; nothing imported."
            )
            return True
        if not paths:
            self.stdout.write(NO_PAPERS_HINT)
            return True
        return False

    def _import(
        self, reader: "RecordReader", *, batch_size: int, workers: int
    ) -> UpsertResult:
        """Upsert the reader's records; what was committed, also when it failed."""
        committed = UpsertResult()
        with _Progress(reader, out=self._err, write=self._write_err) as progress:

            def on_batch(result: UpsertResult) -> None:
                committed.add(result)
                progress.update(result)

            try:
                upsert_papers(
                    reader.records(),
                    batch_size=batch_size,
                    workers=workers,
                    on_batch=on_batch,
                )
            except KeyboardInterrupt:
                raise CommandError(
                    f"interrupted: {_committed(committed)}", returncode=130
                ) from None
            except (OSError, EOFError, zlib.error) as error:
                # A truncated or corrupt .gz surfaces here, mid-file.
                raise CommandError(
                    f"{reader.where()}: cannot read further ({error}); "
                    f"{_committed(committed)}"
                ) from error
            except Exception:
                self._write_err(f"import failed: {_committed(committed)}")
                raise
        return committed

    def _report_committed(self, committed: UpsertResult, *, skipped: int) -> None:
        for code, count in sorted(committed.unknown_categories.items()):
            self._write_err(
                f"unknown category {code!r} on {_papers(count)}: "
                "kept out of their topics"
            )
        if committed.imported or committed.updated:
            refresh_statistics()
            catalogue_changed.send(sender=self.__class__)
        else:
            self._write_err("Nothing changed: the catalogue already matched.")
        self.stdout.write(summary(committed, skipped=skipped))

    def _write_err(self, message: str) -> None:
        tqdm.write(message, file=self._err)

    def _report_bad_line(self, where: str, reason: str) -> None:
        self._write_err(f"{where}: {reason}")


def _check_arguments(paths: list[Path], *, batch_size: int, workers: int) -> None:
    if not paths:
        raise CommandError(f"give at least one PATH ({', '.join(SUFFIXES)})")
    if batch_size < 1 or workers < 1:
        raise CommandError("--batch-size and --workers must be at least 1")
    for path in paths:
        _check_readable(path)


def _check_readable(path: Path) -> None:
    if not path.name.endswith(SUFFIXES):
        raise CommandError(f"{path}: not a {', '.join(SUFFIXES)} file")
    if not path.exists():
        raise CommandError(f"{path}: no such file")
    if not path.is_file():
        raise CommandError(f"{path}: not a file")


def _papers(count: int) -> str:
    return f"{count:,} paper" if count == 1 else f"{count:,} papers"


def _committed(result: UpsertResult) -> str:
    return (
        f"{_papers(result.papers)} committed (imported {result.imported}, "
        f"updated {result.updated}, unchanged {result.unchanged}); "
        "the unfinished batch was rolled back"
    )


class RecordReader:
    """Valid records from the files in turn; bad lines go to `report`."""

    def __init__(
        self, paths: list[Path], *, report: Callable[[str, str], None]
    ) -> None:
        self.paths = paths
        self.report = report
        self.skipped = 0
        self.total_bytes = sum(path.stat().st_size for path in paths)
        self._done_bytes = 0  # of the files already read
        self._file: IO[bytes] | None = None
        self._path = paths[0]
        self._line = 0

    def position(self) -> int:
        """Bytes of (compressed) input consumed so far, for the progress bar."""
        current = self._file.tell() if self._file and not self._file.closed else 0
        return self._done_bytes + current

    def where(self) -> str:
        return f"{self._path}:{self._line}"

    def records(self) -> Iterator[PaperRecord]:
        for path in self.paths:
            self._path, self._line = path, 0
            with path.open("rb") as raw:
                self._file = raw
                stream: io.BufferedIOBase = (
                    gzip.GzipFile(fileobj=raw, mode="rb")
                    if path.name.endswith(".gz")
                    else raw
                )
                if path.name.endswith(LINE_SUFFIXES):
                    yield from self._records_in(stream)
                else:
                    yield from self._records_of_document(stream)
            self._done_bytes += path.stat().st_size
            self._file = None

    def _records_in(self, stream: io.BufferedIOBase) -> Iterator[PaperRecord]:
        while line := stream.readline(MAX_LINE_BYTES + 1):
            self._line += 1
            if len(line) > MAX_LINE_BYTES:
                while line and not line.endswith(b"\n"):
                    line = stream.readline(MAX_LINE_BYTES)  # drop the rest unheld
                self._skip(f"line longer than {MAX_LINE_BYTES:,} bytes")
                continue
            if not line.strip():
                continue  # blank lines (a trailing newline) are not records
            try:
                yield parse_line(line)
            except InvalidRecord as error:
                self._skip(str(error))

    def _records_of_document(self, stream: io.BufferedIOBase) -> Iterator[PaperRecord]:
        data = stream.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            self._skip(f"larger than {MAX_DOCUMENT_BYTES:,} bytes", str(self._path))
            return
        try:
            records, errors = parse_saved(data)
        except FetchError as unusable:
            self._skip(str(unusable), str(self._path))
            return
        for reason in errors:  # "entry N: reason"
            self._skip(reason, str(self._path))
        yield from records

    def _skip(self, reason: str, where: str | None = None) -> None:
        self.skipped += 1
        self.report(where or self.where(), reason)


class _Progress:
    """A tqdm bar over the input bytes on a terminal, occasional lines otherwise."""

    def __init__(
        self, reader: RecordReader, *, out: Stream, write: Callable[[str], None]
    ) -> None:
        self.reader = reader
        self.write = write
        self.papers = 0
        self.started = time.monotonic()
        self.bar = tqdm(
            total=reader.total_bytes,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="import_papers",
            file=out,
            disable=not out.isatty(),
        )

    def __enter__(self) -> "_Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()

    def update(self, result: UpsertResult) -> None:
        before = self.papers
        self.papers += result.papers
        if not self.bar.disable:
            self.bar.update(self.reader.position() - self.bar.n)
            self.bar.set_postfix(papers=f"{self.papers:,}", refresh=False)
        elif before // PLAIN_PROGRESS_EVERY != self.papers // PLAIN_PROGRESS_EVERY:
            elapsed = time.monotonic() - self.started
            self.write(
                f"import_papers: {self.papers:,} papers in {elapsed:.0f} s "
                f"({self.reader.position() / 2**20:,.0f} of "
                f"{self.reader.total_bytes / 2**20:,.0f} MiB read)"
            )
