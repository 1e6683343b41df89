"""Discussions: a paper's page with COMMENTS comments, timed, and the comment
counts of a day's cards, counted in queries.

A scratch PostgreSQL database gets DAY_PAPERS papers on one day in cs.LG,
READERS readers and COMMENTS comments on the first paper (a third of them
replies, each with a formula and a link, rendered as posting renders them),
and a comment on every other paper of the day. A child process renders the
paper's page REQUESTS times through Django's test client (middleware,
templates, queries; no HTTP server), for a visitor and for a reader who
follows the discussion (the header's count, the follow button), and counts
the queries of the day's page that read comments.

`python -m bench.discussion measure DATABASE_URL` is that child.

Run: python -m bench.run discussion
"""

import datetime as dt
import json
import sys
import time

from bench.common import percentile, scratch_postgres
from bench.processes import AS_PRODUCTION, manage, run_child, setup_django

COMMENTS = 200
READERS = 20
DAY_PAPERS = 30
REQUESTS = 100
WARMUP = 5
DAY = dt.date(2026, 3, 2)
TARGET_MS = 50.0


def run() -> str:
    with scratch_postgres() as database_url:
        manage("migrate", "--no-input", "-v0", database_url=database_url)
        measured = run_child(
            "bench.discussion", "measure", database_url, env=AS_PRODUCTION
        )
    return report(measured)


def report(measured: dict[str, object]) -> str:
    times: dict[str, list[float]] = measured["times"]  # type: ignore[assignment]
    rows, all_met = [], True
    for who, samples in times.items():
        median = percentile(samples, 50)
        met = median <= TARGET_MS
        all_met &= met
        rows.append(
            f"| {who} | {median:.1f} | {percentile(samples, 95):.1f} |"
            f" {max(samples):.1f} | <= {TARGET_MS:.0f} | {'yes' if met else 'NO'} |"
        )
    queries = measured["count_queries"]
    lines = [
        "## Discussions: a paper with 200 comments, a day's comment counts"
        " (PostgreSQL)",
        "",
        f"One paper with {COMMENTS} comments by {READERS} readers (a third of"
        " them replies, each with a formula and a link), its page rendered"
        f" {REQUESTS} times after {WARMUP} of warm-up through Django's test"
        " client (middleware, templates, queries; no HTTP server). Server time"
        " in ms. Command: `make bench BENCH_ARGS=discussion`.",
        "",
        "| `/papers/<id>/` seen by | p50 | p95 | max | target p50 | met |",
        "| --- | ---: | ---: | ---: | --- | --- |",
        *rows,
        "",
        f"- A day's page of {DAY_PAPERS} cards, each paper with comments: the"
        f" comment counts cost {queries} quer{'y' if queries == 1 else 'ies'}"
        f" (target 1: {'yes' if queries == 1 else 'NO'}).",
        f"- Every target met: {'yes' if all_met and queries == 1 else 'NO'}.",
    ]
    return "\n".join(lines) + "\n"


# --- The child -----------------------------------------------------------------


def measure(database_url: str) -> None:
    setup_django(database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from discussion.following import follow
    from discussion.models import Comment
    from discussion.text import render_comment
    from papers.models import Paper, PaperTopic, Topic

    topic = Topic.objects.get(code="cs.LG")
    papers = Paper.objects.bulk_create(
        Paper(
            arxiv_id=f"2603.{n:05d}",
            title=f"A study of problem {n} with $O(n^{n % 3 + 1})$ cost",
            abstract=f"We study problem {n} and report what we found. " * 10,
            authors=["Ada Lovelace", "Alan Turing"],
            announced_on=DAY,
        )
        for n in range(DAY_PAPERS)
    )
    PaperTopic.objects.bulk_create(
        PaperTopic(paper=paper, topic=topic, position=0, announced_on=DAY)
        for paper in papers
    )
    readers = [
        User.objects.create_user(f"reader{n}", f"reader{n}@example.org", "bench")
        for n in range(READERS)
    ]
    talked_about = papers[0]
    comments: list[Comment] = []
    for n in range(COMMENTS):
        body = (
            f"Comment {n}: does the bound $O(n^{n % 5 + 2})$ hold here?\n\n"
            "Compare https://arxiv.org/abs/1706.03762 and its appendix."
        )
        # Every third comment answers one of the comments before it.
        parent = comments[n // 3 * 2] if n % 3 == 2 else None
        comment = Comment(
            paper=talked_about,
            author=readers[n % READERS],
            parent=parent,
            body=body,
            body_html=render_comment(body),
        )
        comment.save()
        comments.append(comment)
    for paper in papers[1:]:
        Comment.objects.create(
            paper=paper, author=readers[0], body="Nice.", body_html="<p>Nice.</p>"
        )
    follower = readers[1]
    follow(
        user=follower, paper=talked_about, read_at=comments[COMMENTS // 2].created_at
    )
    visitor, signed_in = Client(), Client()
    signed_in.force_login(follower)
    url = talked_about.get_absolute_url()
    times: dict[str, list[float]] = {}
    for who, client in (("a visitor", visitor), ("a reader who follows it", signed_in)):
        samples = []
        for attempt in range(WARMUP + REQUESTS):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            assert response.content.count(b'class="comment') >= COMMENTS
            if attempt >= WARMUP:
                samples.append(elapsed)
        times[who] = samples
    with CaptureQueriesContext(connection) as queries:
        page = visitor.get(reverse("home") + f"?date={DAY:%Y-%m-%d}")
    assert page.content.count(b" comment") >= DAY_PAPERS
    on_comments = [q for q in queries if '"discussion_comment"' in q["sql"]]
    print(json.dumps({"times": times, "count_queries": len(on_comments)}))


if __name__ == "__main__" and sys.argv[1:2] == ["measure"]:
    measure(sys.argv[2])
