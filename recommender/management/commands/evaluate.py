"""Offline evaluation of the production engine on a papers file and likes.

Runs the same functions and parameters as the app (index, reader models,
scoring) without touching the app's database, and ends with one JSON line.

With `--candidates-from`/`--candidates-until` each reader's ranking holds only
the papers of those days, as a feed does; every paper still fits the index
and serves to train. With `--follows` readers follow arXiv categories, which
reach their models as in the app.
"""

import csv
import datetime as dt
import gzip
import io
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from scipy import sparse
from tqdm import tqdm

from recommender.engine.corpus import Corpus, topic_matrix
from recommender.engine.evaluation import (
    METHODS,
    Split,
    arxiv_sanity_text,
    average,
    evaluate,
    random_split,
    split_from_rows,
)
from recommender.engine.text import (
    IndexParams,
    build_index,
    paper_text,
    project,
    vectorize,
)


@dataclass(frozen=True)
class PaperRecord:
    """What the evaluation reads of one line of the papers file."""

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # primary first
    date: dt.date | None  # `listed`, else `published`


@dataclass(frozen=True)
class Window:
    """Inclusive days; None leaves that end open."""

    first: dt.date | None
    last: dt.date | None

    def holds(self, day: dt.date | None) -> bool:
        if day is None:
            return False
        return (self.first is None or self.first <= day) and (
            self.last is None or day <= self.last
        )


def open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def csv_rows(path: Path, columns: int) -> Iterator[tuple[str, ...]]:
    """Rows of a CSV file, ids kept as strings; a `user_id,...` header and
    blank lines are skipped."""
    with open_text(path) as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or (number == 1 and row[0].strip().lower() == "user_id"):
                continue
            if len(row) < columns:
                raise CommandError(f"{path}:{number}: expected {columns} columns")
            yield tuple(cell.strip() for cell in row[:columns])


def paper_record(line: str) -> PaperRecord:
    record = json.loads(line)
    day = record.get("listed") or record.get("published")
    return PaperRecord(
        id=str(record["id"]),
        title=record.get("title") or "",
        abstract=record["abstract"],
        authors=tuple(record.get("authors") or ()),
        categories=tuple(record.get("categories") or ()),
        date=dt.date.fromisoformat(day) if day else None,
    )


def read_papers(path: Path) -> list[PaperRecord]:
    papers = []
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                papers.append(paper_record(line))
            except (ValueError, KeyError, TypeError) as error:
                raise CommandError(
                    f"{path}:{number}: not a paper record ({error})"
                ) from error
    return papers


def read_follows(path: Path) -> dict[str, list[str]]:
    follows: dict[str, list[str]] = {}
    for reader, code in csv_rows(path, 2):
        follows.setdefault(reader, []).append(code)
    return follows


def build_corpus(
    papers: Sequence[PaperRecord], *, ngrams: int, with_topics: bool
) -> Corpus:
    """The production index over every paper; with their categories as
    topics when readers follow some."""
    started = time.perf_counter()
    texts = [paper_text(p.title, p.abstract) for p in papers]
    params = IndexParams(sample_size=settings.PAPERFEED_INDEX_SAMPLE, ngrams=ngrams)
    index = build_index(texts, version="evaluation", params=params)
    vectors = vectorize(index, texts)
    topics: sparse.csr_matrix | None = None
    codes: tuple[str, ...] = ()
    if with_topics:
        topics, codes = topic_matrix([p.categories for p in papers])
    corpus = Corpus(
        ids=np.asarray([p.id for p in papers], dtype=object),
        vectors=vectors,
        lsa=project(index, vectors),
        topics=topics,
        topic_codes=codes,
    )
    sys.stderr.write(
        f"{len(papers):,} papers, {index.n_terms:,} terms, "
        f"index built in {time.perf_counter() - started:.1f} s\n"
    )
    return corpus


class Command(BaseCommand):
    help = "Recall@k and nDCG@k of the recommender on held-out likes."
    requires_system_checks: list[str] = []  # no database needed

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--papers", type=Path, required=True)
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--split", type=Path, help="CSV user_id,paper_id,fold")
        source.add_argument("--likes", type=Path, help="CSV user_id,paper_id")
        parser.add_argument("--train-per-user", type=int, default=10)
        parser.add_argument("--k", type=int, nargs="+", default=[50, 100, 300])
        parser.add_argument("--users", type=int, default=None)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--text-ngrams", type=int, choices=[1, 2], default=1)
        parser.add_argument("--method", choices=METHODS, default="paperfeed")
        parser.add_argument(
            "--candidates-from",
            type=dt.date.fromisoformat,
            help="YYYY-MM-DD: rank only papers of this day (listed, else "
            "published) or later",
        )
        parser.add_argument(
            "--candidates-until",
            type=dt.date.fromisoformat,
            help="YYYY-MM-DD: rank only papers of this day or earlier",
        )
        parser.add_argument(
            "--follows", type=Path, help="CSV user_id,category: followed topics"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        papers = read_papers(options["papers"])
        follows = read_follows(options["follows"]) if options["follows"] else None
        corpus = build_corpus(
            papers, ngrams=options["text_ngrams"], with_topics=follows is not None
        )
        candidates = self.candidates(papers, options)
        arxiv_sanity_texts = None
        if options["method"] == "arxiv-sanity":
            arxiv_sanity_texts = [
                arxiv_sanity_text(p.title, p.abstract, p.authors) for p in papers
            ]
        setup_started = time.perf_counter()
        try:
            runs = evaluate(
                corpus,
                self.read_split(options),
                ks=sorted(set(options["k"])),
                readers=options["users"],
                seed=options["seed"],
                method=options["method"],
                candidates=candidates,
                follows=follows,
                arxiv_sanity_texts=arxiv_sanity_texts,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        # The method's shared work (the collaborative signal, arxiv-sanity's
        # TF-IDF) apart from each reader's, like the index above.
        setup_seconds = time.perf_counter() - setup_started
        started = time.perf_counter()
        results = [
            run.metrics
            for run in tqdm(runs, desc="readers", unit="reader", file=sys.stderr)
        ]
        if not results:
            raise CommandError("no reader has a test item among the candidates")
        summary: dict[str, object] = {"method": options["method"]}
        summary.update(
            {key: round(value, 4) for key, value in average(results).items()}
        )
        summary["users"] = len(results)
        summary["candidates"] = len(papers if candidates is None else candidates)
        summary["seconds_per_user"] = round(
            (time.perf_counter() - started) / len(results), 4
        )
        summary["setup_seconds"] = round(setup_seconds, 1)
        self.stdout.write(json.dumps(summary))

    def candidates(
        self, papers: Sequence[PaperRecord], options: dict[str, Any]
    ) -> list[str] | None:
        """The ids of the window's papers; None without a window (every paper)."""
        window = Window(options["candidates_from"], options["candidates_until"])
        if window.first is None and window.last is None:
            return None
        found = [p.id for p in papers if window.holds(p.date)]
        if not found:
            raise CommandError("no paper is dated within the candidates' window")
        return found

    def read_split(self, options: dict[str, Any]) -> Split:
        if options["split"]:
            return split_from_rows(csv_rows(options["split"], 3))  # type: ignore[arg-type]
        pairs = csv_rows(options["likes"], 2)
        return random_split(
            pairs,  # type: ignore[arg-type]
            train_per_reader=options["train_per_user"],
            seed=options["seed"],
        )
