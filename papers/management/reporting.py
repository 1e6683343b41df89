"""What the catalogue commands print: their summary line and progress."""

import time

from django.core.management.base import BaseCommand, OutputWrapper
from tqdm import tqdm

from papers.harvest import HarvestReport
from papers.upsert import UpsertResult


def summary(result: UpsertResult, *, skipped: int) -> str:
    return (
        f"imported {result.imported}, updated {result.updated}, "
        f"unchanged {result.unchanged}, skipped {skipped}"
    )


def write_report(command: BaseCommand, report: HarvestReport) -> None:
    """A harvest's skipped records on stderr, then its summary line."""
    for line in report.skipped:
        command.stderr.write(f"skipped {line}")
    command.stdout.write(
        f"{summary(report.stored, skipped=len(report.skipped))}"
        f" ({'; '.join(report.windows)})"
    )


def _unstyled(text: str) -> str:
    return text


class Stream:
    """A plain text stream over Django's OutputWrapper, which tqdm can redraw on.

    OutputWrapper appends a newline to every write; tqdm writes "\\r" updates.
    """

    def __init__(self, wrapper: OutputWrapper) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        # Unstyled: on a terminal, stderr would colour each of tqdm's fragments.
        self._wrapper.write(text, style_func=_unstyled, ending="")

    def flush(self) -> None:
        self._wrapper.flush()

    def isatty(self) -> bool:
        return bool(self._wrapper.isatty())


class PaperBar:
    """Papers received, as a bar on a terminal (against the size of the list
    when the source tells it) and as a line a page otherwise."""

    def __init__(self, name: str, err: OutputWrapper) -> None:
        self.name = name
        self.out = Stream(err)
        self.papers = 0
        self.started = time.monotonic()
        self.bar = tqdm(
            desc=name, unit=" papers", file=self.out, disable=not self.out.isatty()
        )

    def __enter__(self) -> "PaperBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()

    def update(self, papers: int, total: int | None) -> None:
        self.papers += papers
        if self.bar.disable:
            elapsed = time.monotonic() - self.started
            of = f" of {total:,}" if total else ""
            tqdm.write(
                f"{self.name}: {self.papers:,}{of} papers in {elapsed:.0f} s",
                file=self.out,
            )
            return
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.update(papers)
