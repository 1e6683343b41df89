"""Author continuation on arXiv (../shared/data/papers.jsonl.gz): the feed's
own job, measured with `manage.py evaluate`.

A reader is an author (exact name) with at least MIN_PAPERS papers dated
before a window of days; they "like" their MAX_TRAIN most recent ones, follow
the primary categories of at least FOLLOW_SHARE of those, and the papers they
put out in the window are what their feed of the window should have ranked
high among all of the window's papers. A paper's date is `listed`, else
`published`; undated papers are neither candidates nor train items.

The papers file given to `evaluate` carries no author lists: authorship only
defines the readers, so no method can read the answer from a name.

`python -m bench.authors DIR` writes the papers file, and each window's split
and follows, into DIR, to re-run one of the section's commands by hand.
"""

import csv
import datetime as dt
import gzip
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.common import SHARED_DATA, run_evaluate, telling_why

MIN_PAPERS = 3
MAX_TRAIN = 50
FOLLOW_SHARE = 0.2
# arxiv-sanity-lite fits an SVM over the whole corpus for each reader (about
# 3.6 s here, bench/RESULTS.md "Recommender speed"): a fixed sample.
SVM_SAMPLE = 200
KS = (10, 20, 100)


@dataclass(frozen=True)
class Window:
    label: str
    first: dt.date
    last: dt.date
    slug: str


# The tuning window comes first and ends the day before the reported one
# starts, so nothing chosen on it has seen the reported window's papers.
WINDOWS = (
    Window(
        "tuning window (parameters chosen here)",
        dt.date(2026, 6, 19),
        dt.date(2026, 7, 23),
        "tuning",
    ),
    Window(
        "reported window (never tuned on)",
        dt.date(2026, 7, 24),
        dt.date(2026, 8, 21),
        "reported",
    ),
)


@dataclass(frozen=True)
class Paper:
    id: str
    record: dict[str, object]  # what evaluate reads: no authors
    authors: tuple[str, ...]
    primary: str
    date: dt.date | None


@dataclass(frozen=True)
class Readers:
    """One window's readers under anonymous ids ("r00001"), in name order."""

    train: dict[str, list[str]]
    test: dict[str, list[str]]
    follows: dict[str, list[str]]
    candidates: int
    # Whether any paper of the window is among anyone's train items.
    popularity_defined: bool


@dataclass(frozen=True)
class Run:
    method: str
    label: str
    users: int | None = None
    follows: bool = False


RUNS = (
    Run("random", "random order"),
    Run("popularity", "popularity"),
    Run("centroid", "TF-IDF centroid"),
    Run("paperfeed", "Paperfeed, no follows"),
    Run("paperfeed", "Paperfeed + follows", follows=True),
    Run("arxiv-sanity", "arxiv-sanity-lite (its TF-IDF + SVM)", users=SVM_SAMPLE),
    Run("centroid", "TF-IDF centroid", users=SVM_SAMPLE),
    Run("paperfeed", "Paperfeed, no follows", users=SVM_SAMPLE),
    Run("paperfeed", "Paperfeed + follows", users=SVM_SAMPLE, follows=True),
)
NOT_DEFINED = "not defined: no paper of the window has a like before it"


def paper_date(record: dict[str, object]) -> dt.date | None:
    day = record.get("listed") or record.get("published")
    return dt.date.fromisoformat(str(day)) if day else None


def read_papers() -> list[Paper]:
    papers = []
    with gzip.open(SHARED_DATA / "papers.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            r = json.loads(line)
            record = {
                key: r[key]
                for key in ("id", "title", "abstract", "categories", "listed")
                if r.get(key)
            }
            if r.get("published"):
                record["published"] = r["published"]
            papers.append(
                Paper(
                    id=r["id"],
                    record=record,
                    authors=tuple(dict.fromkeys(r.get("authors") or ())),
                    primary=r["categories"][0],
                    date=paper_date(r),
                )
            )
    return papers


def readers_of(papers: list[Paper], window: Window) -> Readers:
    before: dict[str, list[Paper]] = {}
    within: dict[str, list[str]] = {}
    candidates = set()
    for paper in papers:
        if paper.date is None or paper.date > window.last:
            continue
        if paper.date >= window.first:
            candidates.add(paper.id)
        for author in paper.authors:
            if paper.id in candidates:
                within.setdefault(author, []).append(paper.id)
            else:
                before.setdefault(author, []).append(paper)
    eligible = [a for a in sorted(within) if len(before.get(a, ())) >= MIN_PAPERS]
    train, test, follows = {}, {}, {}
    for number, author in enumerate(eligible, start=1):
        reader = f"r{number:05d}"
        # Most recent first; of one day, the higher id (the later one).
        latest = sorted(before[author], key=lambda p: (p.date, p.id), reverse=True)
        train[reader] = [p.id for p in latest[:MAX_TRAIN]]
        test[reader] = within[author]
        primaries = Counter(p.primary for p in latest[:MAX_TRAIN])
        share = FOLLOW_SHARE * len(train[reader])
        follows[reader] = sorted(c for c, n in primaries.items() if n >= share)
    liked = {pid for items in train.values() for pid in items}
    return Readers(
        train=train,
        test=test,
        follows=follows,
        candidates=len(candidates),
        popularity_defined=not liked.isdisjoint(candidates),
    )


def write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_files(directory: Path, papers: list[Paper]) -> dict[str, Readers]:
    """The papers file (no authors) and each window's split and follows."""
    with (directory / "papers.jsonl").open("w", encoding="utf-8") as handle:
        for paper in papers:
            handle.write(json.dumps(paper.record) + "\n")
    by_window = {}
    for window in WINDOWS:
        readers = readers_of(papers, window)
        write_csv(
            directory / f"split_{window.slug}.csv",
            ["user_id", "paper_id", "fold"],
            (
                [reader, pid, fold]
                for fold, items in (("train", readers.train), ("test", readers.test))
                for reader, ids in items.items()
                for pid in ids
            ),
        )
        write_csv(
            directory / f"follows_{window.slug}.csv",
            ["user_id", "category"],
            ([r, code] for r, codes in readers.follows.items() for code in codes),
        )
        by_window[window.slug] = readers
    return by_window


def evaluate(directory: Path, window: Window, run: Run) -> tuple[str, dict, float]:
    """The command, its JSON result and its wall time in seconds."""
    args = [
        "evaluate",
        "--papers",
        str(directory / "papers.jsonl"),
        "--split",
        str(directory / f"split_{window.slug}.csv"),
        "--candidates-from",
        window.first.isoformat(),
        "--candidates-until",
        window.last.isoformat(),
        "--k",
        *map(str, KS),
        "--method",
        run.method,
        "--seed",
        "0",
    ]
    if run.users:
        args += ["--users", str(run.users)]
    if run.follows:
        args += ["--follows", str(directory / f"follows_{window.slug}.csv")]
    started = time.perf_counter()
    with telling_why():
        metrics = run_evaluate(args[1:])
    seconds = time.perf_counter() - started
    command = "python manage.py " + " ".join(args).replace(str(directory), "$DIR")
    return command, metrics, seconds


def describe(window: Window, readers: Readers) -> str:
    train = sum(map(len, readers.train.values()))
    test = sum(map(len, readers.test.values()))
    n = len(readers.train)
    following = [codes for codes in readers.follows.values() if codes]
    return (
        f"{window.first} to {window.last}: {readers.candidates:,} candidate papers;"
        f" {n:,} readers with {train:,} train items ({train / n:.1f} a reader)"
        f" dated before {window.first} and {test:,} test items"
        f" ({test / n:.2f} a reader); {len(following):,} readers follow"
        f" {sum(map(len, following)) / max(len(following), 1):.2f} categories"
        f" on average ({n - len(following):,} follow none)."
    )


def table(directory: Path, window: Window, readers: Readers) -> tuple[list, list]:
    lines = [
        f"### {window.label.capitalize()}: {window.first} to {window.last}",
        "",
        describe(window, readers),
        "",
        "| method | readers | R@10 | R@20 | R@100 | nDCG@20 | s/reader | run |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    commands = []
    for run in RUNS:
        scope = f"sample of {run.users}" if run.users else "all"
        if run.method == "popularity" and not readers.popularity_defined:
            lines.append(f"| {run.label} | {scope} | {NOT_DEFINED} ||||||")
            continue
        print(f"bench: authors {window.slug} {run.label} ({scope})", file=sys.stderr)
        command, r, seconds = evaluate(directory, window, run)
        commands.append(command)
        lines.append(
            f"| {run.label} | {r['users']:,} ({scope}) | {r['recall@10']:.4f}"
            f" | {r['recall@20']:.4f} | {r['recall@100']:.4f} | {r['ndcg@20']:.4f}"
            f" | {r['seconds_per_user']:.4f} | {seconds / 60:.1f} min |"
        )
    return lines, commands


def run() -> str:
    if not (SHARED_DATA / "papers.jsonl.gz").exists():
        return (
            "## Author continuation on arXiv\n\nSkipped: no"
            f" {SHARED_DATA / 'papers.jsonl.gz'}.\n"
        )
    papers = read_papers()
    lines = [
        "## Author continuation on arXiv (the feed's job)",
        "",
        f"{len(papers):,} papers of `papers.jsonl.gz`. A reader is an author (exact"
        f" name) with at least {MIN_PAPERS} papers dated (`listed`, else"
        f" `published`) before the window; their train items are their"
        f" {MAX_TRAIN} most recent papers before it, their test items their"
        " papers of the window, and they follow the primary categories of at"
        f" least {FOLLOW_SHARE:.0%} of their train items. Each reader's ranking"
        " holds only the window's papers; every paper fits the indexes and can"
        " be trained on. The papers file `evaluate` reads has no author lists."
        " recall@10 / @20 / @100 and nDCG@20 over readers; s/reader is the"
        " scoring time of one reader, run the command's wall time (reading and"
        " indexing the papers included). arxiv-sanity-lite (its TF-IDF with its"
        " compute step's settings over title, abstract and, here absent,"
        " authors; a LinearSVC of the reader's papers against all others) runs"
        f" on a fixed sample of {SVM_SAMPLE} readers (`--users {SVM_SAMPLE}"
        " --seed 0`), and the centroid and Paperfeed on the same sample too.",
    ]
    commands: list[str] = []
    with tempfile.TemporaryDirectory(prefix="paperfeed-authors-") as scratch:
        directory = Path(scratch)
        by_window = write_files(directory, papers)
        for window in WINDOWS:
            window_lines, window_commands = table(
                directory, window, by_window[window.slug]
            )
            lines += ["", *window_lines]
            commands += window_commands
    lines += [
        "",
        "Commands (`$DIR` written by `python -m bench.authors $DIR`):",
        "",
        "```sh",
        *commands,
        "```",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    write_files(Path(sys.argv[1]), read_papers())
