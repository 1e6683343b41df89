"""Recommender speed on the whole catalogue (../shared/data/papers.jsonl.gz),
engine only: index build, vectorizing new papers, one reader's training and
scoring, similar papers, and arxiv-sanity-lite's per-request model for scale.

`python -m bench.recommender build [arxiv-sanity]` is the child process that
builds an index, so its peak memory is its own.
"""

import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
from scipy import sparse
from sklearn.svm import LinearSVC

from bench.common import ROOT, SHARED_DATA, milliseconds
from recommender.engine.corpus import Corpus
from recommender.engine.evaluation import arxiv_sanity_vectorizer
from recommender.engine.reader import score, similar_rows, train_reader
from recommender.engine.text import (
    Index,
    IndexParams,
    build_index,
    paper_text,
    project,
    vectorize,
)

READERS = 30
LIKES = 50
DAY = 1000


def read_papers() -> tuple[list[str], list[str], list[str]]:
    ids, texts, primaries = [], [], []
    with gzip.open(SHARED_DATA / "papers.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            r = json.loads(line)
            ids.append(r["id"])
            texts.append(paper_text(r["title"], r["abstract"]))
            primaries.append(r["categories"][0])
    return ids, texts, primaries


def build_corpus(texts: list[str]) -> tuple[Index, Corpus]:
    index = build_index(texts, version="bench", params=IndexParams())
    vectors = vectorize(index, texts)
    return index, Corpus(
        ids=np.arange(len(texts)), vectors=vectors, lsa=project(index, vectors)
    )


def arxiv_sanity_per_request(vectors: sparse.csr_matrix, liked: list[int]) -> object:
    """arxiv-sanity-lite's answer to one reader's request: a linear SVM of the
    reader's liked rows against every other paper, trained anew, then every
    paper scored."""
    labels = np.zeros(vectors.shape[0], dtype=np.int8)
    labels[liked] = 1
    svm = LinearSVC(class_weight="balanced", C=0.01, max_iter=10000, tol=1e-6)
    svm.fit(vectors, labels)
    return svm.decision_function(vectors)


def child(mode: str) -> None:
    _, texts, _ = read_papers()
    started = time.perf_counter()
    if mode == "arxiv-sanity":
        arxiv_sanity_vectorizer().fit_transform(texts)
    else:
        build_corpus(texts)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak}))


def measure_build(mode: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.recommender", mode],
        cwd=ROOT, check=True, capture_output=True, text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def run() -> str:
    ours = measure_build("build")
    theirs = measure_build("arxiv-sanity")
    _, texts, primaries = read_papers()
    index, corpus = build_corpus(texts)
    rng = np.random.default_rng(0)
    fresh_ms = statistics.median(
        milliseconds(vectorize, index, [texts[i] for i in rng.choice(len(texts), DAY)])
        for _ in range(5)
    )
    by_topic: dict[str, list[int]] = {}
    for row, code in enumerate(primaries):
        by_topic.setdefault(code, []).append(row)
    topics = [code for code, rows in by_topic.items() if len(rows) >= 500]
    reader_ms, likes_per_reader = [], []
    for _ in range(READERS):
        topic_rows = by_topic[rng.choice(topics)]
        liked = rng.choice(topic_rows, LIKES, replace=False).tolist()
        likes_per_reader.append(liked)
        day = rng.choice(len(corpus), DAY, replace=False)

        def recommend(liked=liked, day=day):  # type: ignore[no-untyped-def]
            model = train_reader(corpus, liked, index_version="bench")
            assert model is not None
            return score(model, corpus.vectors[day], corpus.lsa[day])

        reader_ms.append(milliseconds(recommend))
    similar_ms = [
        milliseconds(similar_rows, corpus, int(row), 10)
        for row in rng.choice(len(corpus), 50, replace=False)
    ]
    svm_ms = [
        milliseconds(arxiv_sanity_per_request, corpus.vectors, liked)
        for liked in likes_per_reader[:3]
    ]
    ours_ms = statistics.median(reader_ms)
    ratio = statistics.median(svm_ms) / ours_ms
    p95 = statistics.quantiles(reader_ms, n=20)[-1]
    build = f"{ours['seconds']:.1f} s, peak {ours['peak_mb']:,.0f} MB"
    build_ratio = ours["seconds"] / theirs["seconds"]
    reference = f"{theirs['seconds']:.1f} s, peak {theirs['peak_mb']:,.0f} MB"
    reader = f"{ours_ms:.1f} ms, p95 {p95:.1f} ms"
    rows = [
        ("index build: fit + vectorize all (Paperfeed)", build,
         "<= 1,024 MB", ours["peak_mb"] <= 1024),
        ("index build with arxiv-sanity-lite's settings (reference, its"
         " `compute.py`)", reference, "", None),
        ("index build: Paperfeed's time / arxiv-sanity-lite's, this run",
         f"{build_ratio:.2f}x", "<= 0.5x", build_ratio <= 0.5),
        (f"vectorize {DAY:,} new papers (median of 5)", f"{fresh_ms:.0f} ms",
         "<= 2,000 ms", fresh_ms <= 2000),
        (f"train one reader from {LIKES} likes + score {DAY:,} papers "
         f"(median, p95 of {READERS})", reader, "<= 100 ms", ours_ms <= 100),
        ("similar papers for one paper (median of 50)",
         f"{statistics.median(similar_ms):.1f} ms", "<= 100 ms",
         statistics.median(similar_ms) <= 100),
        ("arxiv-sanity-lite per request: LinearSVC over all papers, score all "
         "(median of 3)", f"{statistics.median(svm_ms) / 1000:.2f} s", "", None),
        ("one reader's recommendation: times faster than arxiv-sanity-lite",
         f"{ratio:.0f}x", ">= 50x", ratio >= 50),
    ]  # fmt: skip
    lines = [
        "## Recommender speed (engine, whole catalogue)",
        "",
        f"{len(corpus):,} papers, {index.n_terms:,} terms, one thread"
        " (`OMP_NUM_THREADS=1`). Command: `make bench BENCH_ARGS=recommender`.",
        "",
        "| what | measured | target | met |",
        "| --- | --- | --- | --- |",
    ]
    for what, measured, target, met in rows:
        verdict = "" if met is None else ("yes" if met else "NO")
        lines.append(f"| {what} | {measured} | {target} | {verdict} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    child(sys.argv[1])
