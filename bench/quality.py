"""Recommendation quality on citeulike-t's published splits, measured with
`manage.py evaluate`: popularity, arxiv-sanity-lite's method and Paperfeed in
one run, on the same machine and data.

arxiv-sanity-lite fits an SVM over the whole corpus per reader (about half a
second each here), so it runs on a fixed sample of readers; Paperfeed is
reported on that sample as well as on every reader.
"""

import json
import os
import subprocess
import sys

from bench.common import ROOT, SHARED_DATA

SVM_SAMPLE = 1000
PUBLISHED = {
    "1": "CVAE .0430 / .0639 / .1200; best published R@300 .249 (ItemKNN content)",
    "10": "CVAE .2387 / .3274 / .4854; ItemKNN content+collaborative R@300 .4740",
}
TARGETS = {"1": 0.30, "10": 0.50}


def evaluate(
    split: str, method: str, users: int | None
) -> tuple[str, dict[str, float]]:
    data = SHARED_DATA / "citeulike-t"
    args = [
        "evaluate",
        "--papers",
        str(data / "papers.jsonl.gz"),
        "--split",
        str(data / f"split_p{split}.csv.gz"),
        "--text-ngrams",
        "1",
        "--method",
        method,
        "--seed",
        "0",
    ]
    if users:
        args += ["--users", str(users)]
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    )
    command = "python manage.py " + " ".join(
        a.replace(str(SHARED_DATA), "../shared/data") for a in args
    )
    return command, json.loads(result.stdout.strip().splitlines()[-1])


def run() -> str:
    lines = [
        "## Recommendation quality on citeulike-t (published splits)",
        "",
        "recall@50 / @100 / @300 and nDCG@50, averaged over readers with a test item;"
        " every method ranks all papers but the reader's train items. Paperfeed's"
        " weights were tuned on random splits of the training folds only, never on"
        " these test folds.",
        "",
        "| split | method | readers | R@50 | R@100 | R@300 | nDCG@50 | s/reader |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    commands = []
    verdicts = []
    for split in ("1", "10"):
        for method, users in (
            ("popularity", None),
            ("arxiv-sanity", SVM_SAMPLE),
            ("paperfeed", SVM_SAMPLE),
            ("paperfeed", None),
        ):
            command, r = evaluate(split, method, users)
            commands.append(command)
            label = "all" if users is None else f"sample of {users:,}"
            lines.append(
                f"| P={split} | {method} | {r['users']:,} ({label})"
                f" | {r['recall@50']:.4f} | {r['recall@100']:.4f}"
                f" | {r['recall@300']:.4f} | {r['ndcg@50']:.4f}"
                f" | {r['seconds_per_user']:.3f} |"
            )
            if method == "paperfeed" and users is None:
                met = r["recall@300"] >= TARGETS[split]
                verdicts.append(
                    f"- P={split}: recall@300 {r['recall@300']:.4f} against the target"
                    f" {TARGETS[split]:.2f} ({'met' if met else 'NOT met'}); published:"
                    f" {PUBLISHED[split]}."
                )
    lines += ["", *verdicts, "", "Commands:", "", "```sh", *commands, "```"]
    return "\n".join(lines) + "\n"
