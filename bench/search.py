"""Known-item search on the whole catalogue, on SQLite and on PostgreSQL.

For KNOWN papers drawn at random (fixed seed) the query is three or four
content words of the title, drawn at random and shuffled (stop words and
one- or two-letter words left out); for TYPO other papers, the same with one
word of four letters or more misspelled by swapping two neighbouring letters.
The mean reciprocal rank of the paper in the "best match" order (0 when it is
not among the results), and the server time of `/search/?q=` through Django's
test client (middleware, templates, queries; no HTTP server).

Run: python -m bench.run search (`python -m bench.search measure URL` is the
child that measures one database).
"""

import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from bench.common import SHARED_DATA, percentile, scratch_postgres
from bench.processes import manage, run_child, setup_django

KNOWN = 500
TYPO = 200
SEED = 16
TARGET_MRR = 0.90
TARGET_TYPO_MRR = 0.75
TARGET_P50_MS = 30.0
TARGET_P95_MS = 100.0
STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "which",
        "with",
        "via",
        "we",
        "our",
        "using",
        "based",
        "towards",
        "toward",
        "into",
        "their",
        "than",
        "then",
        "them",
        "these",
        "those",
        "not",
        "no",
        "can",
        "do",
        "does",
    ]
)
WORD = re.compile(r"[A-Za-z]+")


class Query(NamedTuple):
    arxiv_id: str
    text: str


def _catalogue() -> Iterator[dict[str, Any]]:
    with gzip.open(SHARED_DATA / "papers.jsonl.gz", "rt") as lines:
        for line in lines:
            yield json.loads(line)


def queries(
    records: Iterable[dict[str, Any]] | None = None,
) -> tuple[list[Query], list[Query]]:
    """The known-item queries of `records` (the whole catalogue by default),
    and the ones with a typo."""
    titles = []
    for record in _catalogue() if records is None else records:
        words = [
            w
            for w in WORD.findall(record["title"])
            if len(w) > 2 and w.lower() not in STOP
        ]
        if len(words) >= 4:
            titles.append((record["id"], words))
    rng = random.Random(SEED)
    drawn = rng.sample(titles, KNOWN + TYPO)
    known, typo = [], []
    for n, (arxiv_id, words) in enumerate(drawn):
        picked = rng.sample(words, rng.choice((3, 4)))
        if n >= KNOWN:
            long = [i for i, w in enumerate(picked) if len(w) >= 4 and len(set(w)) > 1]
            i = rng.choice(long)
            word = picked[i]
            at = rng.choice([j for j in range(len(word) - 1) if word[j] != word[j + 1]])
            picked[i] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
            typo.append(Query(arxiv_id, " ".join(picked)))
        else:
            known.append(Query(arxiv_id, " ".join(picked)))
    return known, typo


def measure(database_url: str) -> None:
    """The child: MRR and server times of both query sets, as JSON."""
    setup_django(database_url)
    from django.test import Client

    from papers.models import Paper
    from papers.search import search_papers

    known, typo = queries()
    ids = dict(Paper.objects.values_list("arxiv_id", "pk"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/search/", {"q": "warm up"})
    result: dict[str, object] = {}
    for name, asked in (("known", known), ("typo", typo)):
        ranks, ms = [], []
        for query in asked:
            found = search_papers(query.text).ids
            pk = ids[query.arxiv_id]
            ranks.append(1 / (found.index(pk) + 1) if pk in found else 0.0)
            started = time.perf_counter()
            response = client.get("/search/", {"q": query.text, "order": "best-match"})
            ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        result[name] = {"mrr": statistics.fmean(ranks), "ms": ms}
    print(json.dumps(result))


def _database(database_url: str) -> dict[str, dict[str, object]]:
    manage("migrate", "--no-input", "-v0", database_url=database_url)
    manage(
        "import_papers",
        str(SHARED_DATA / "papers.jsonl.gz"),
        database_url=database_url,
        capture=True,
    )
    manage("build_search_index", database_url=database_url, capture=True)
    return run_child("bench.search", "measure", database_url)  # type: ignore[return-value]


def run() -> str:
    measured = {}
    with tempfile.TemporaryDirectory(prefix="paperfeed-bench-search-") as tmp:
        measured["SQLite"] = _database(f"sqlite:///{Path(tmp) / 'db.sqlite3'}")
    with scratch_postgres() as database_url:
        measured["PostgreSQL"] = _database(database_url)
    rows = []
    met = True
    for database, parts in measured.items():
        for name, target_mrr in (("known", TARGET_MRR), ("typo", TARGET_TYPO_MRR)):
            part = parts[name]
            ms: list[float] = part["ms"]  # type: ignore[assignment]
            mrr = float(part["mrr"])  # type: ignore[arg-type]
            p50, p95 = percentile(ms, 50), percentile(ms, 95)
            ok = mrr >= target_mrr and p50 <= TARGET_P50_MS and p95 <= TARGET_P95_MS
            met = met and ok
            label = "3-4 title words" if name == "known" else "the same, one typo"
            count = KNOWN if name == "known" else TYPO
            rows.append(
                f"| {database} | {label} ({count}) | {mrr:.3f} | >= {target_mrr:.2f}"
                f" | {p50:.1f} | {p95:.1f} | {'yes' if ok else 'NO'} |"
            )
    lines = [
        "## Search: known items on the whole catalogue (SQLite and PostgreSQL)",
        "",
        f"{KNOWN} papers drawn at random (seed {SEED}); the query is 3 or 4 content"
        " words of the title drawn at random, shuffled; for another"
        f" {TYPO}, one word of 4+ letters has two neighbouring letters swapped."
        ' Mean reciprocal rank of the paper in "best match" order (the tantivy'
        " index of papers.search, BM25, title > abstract > authors); server time"
        " of `/search/?q=` through Django's test client. Targets: MRR as shown,"
        f" p50 <= {TARGET_P50_MS:.0f} ms, p95 <= {TARGET_P95_MS:.0f} ms."
        " Command: `make bench BENCH_ARGS=search`.",
        "",
        "| database | queries | MRR | target | p50 ms | p95 ms | met |",
        "| --- | --- | ---: | --- | ---: | ---: | --- |",
        *rows,
        "",
        f"- Every target met: {'yes' if met else 'NO'}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__" and sys.argv[1:2] == ["measure"]:
    measure(sys.argv[2])
