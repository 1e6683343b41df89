"""Offline evaluation of the production engine on a papers file and likes.

Runs the same functions and parameters as the app (index, reader models,
scoring) without touching the app's database, and ends with one JSON line.
"""

import csv
import gzip
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommender.engine.corpus import Corpus
from recommender.engine.evaluation import (
    METHODS,
    Split,
    average,
    evaluate,
    random_split,
    split_from_rows,
)
from recommender.engine.text import (
    IndexParams,
    build_index,
    project,
    vectorize,
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

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        ids, texts = self.read_papers(options["papers"])
        params = IndexParams(
            sample_size=settings.PAPERFEED_INDEX_SAMPLE, ngrams=options["text_ngrams"]
        )
        index = build_index(texts, version="evaluation", params=params)
        vectors = vectorize(index, texts)
        corpus = Corpus(
            ids=np.asarray(ids, dtype=object),
            vectors=vectors,
            lsa=project(index, vectors),
        )
        self.stderr.write(
            f"{len(ids):,} papers, {index.n_terms:,} terms, "
            f"index built in {time.perf_counter() - started:.1f} s"
        )
        split = self.read_split(options)
        ks = sorted(set(options["k"]))
        results = []
        scoring_started = time.perf_counter()
        runs = evaluate(
            corpus,
            split,
            ks=ks,
            readers=options["users"],
            seed=options["seed"],
            method=options["method"],
        )
        for _, metrics in tqdm(runs, desc="readers", unit="reader", file=sys.stderr):
            results.append(metrics)
        if not results:
            raise CommandError("no reader has a test item among the papers")
        summary: dict[str, object] = {"method": options["method"]}
        summary.update(
            {key: round(value, 4) for key, value in average(results).items()}
        )
        summary["users"] = len(results)
        summary["seconds_per_user"] = round(
            (time.perf_counter() - scoring_started) / len(results), 4
        )
        self.stdout.write(json.dumps(summary))

    def read_papers(self, path: Path) -> tuple[list[str], list[str]]:
        ids, texts = [], []
        with open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    pid = str(record["id"])
                    text = f"{record.get('title') or ''}\n{record['abstract']}\n"
                except (ValueError, KeyError, TypeError) as error:
                    raise CommandError(
                        f"{path}:{number}: not a paper record ({error})"
                    ) from error
                ids.append(pid)
                texts.append(text + ", ".join(record.get("authors") or []))
        return ids, texts

    def read_split(self, options: dict[str, Any]) -> Split:
        if options["split"]:
            return split_from_rows(csv_rows(options["split"], 3))  # type: ignore[arg-type]
        pairs = csv_rows(options["likes"], 2)
        return random_split(
            pairs,  # type: ignore[arg-type]
            train_per_reader=options["train_per_user"],
            seed=options["seed"],
        )
