"""Plain factories: real rows with sensible defaults, any field overridable."""

import datetime as dt
import itertools
from typing import Any

from accounts.models import User
from papers.listing import latest_day
from papers.models import Paper, PaperTopic, Topic

_sequence = itertools.count(1)


def make_user(**fields: Any) -> User:
    n = next(_sequence)
    password = fields.pop("password", "correct horse battery staple")
    fields.setdefault("username", f"reader{n}")
    fields.setdefault("email", f"reader{n}@example.org")
    return User.objects.create_user(password=password, **fields)


def make_paper(
    *, topics: list[str] | tuple[str, ...] = ("cs.LG",), **fields: Any
) -> Paper:
    """A paper in `topics` (codes, primary first), announced today unless given."""
    n = next(_sequence)
    fields.setdefault("arxiv_id", f"2501.{n:05d}")
    fields.setdefault("title", f"A study of problem {n}")
    fields.setdefault("abstract", f"We study problem {n} and report what we found.")
    fields.setdefault("authors", ["Ada Lovelace", "Alan Turing"])
    fields.setdefault("announced_on", dt.date(2025, 10, 20))
    paper = Paper.objects.create(**fields)
    for position, code in enumerate(topics):
        PaperTopic.objects.create(
            paper=paper,
            topic=Topic.objects.get(code=code),
            position=position,
            announced_on=paper.announced_on,
        )
    return paper


def likes_of(paper: Paper) -> int:
    """How many readers like `paper`, as its card says."""
    # An annotation: the type checker knows the model's fields only.
    likes: int = Paper.objects.with_likes().get(pk=paper.pk).likes  # type: ignore[attr-defined]
    return likes


def crowd_the_last_days(days: int = 5, per_day: int = 30) -> None:
    """The catalogue's newest papers listed over its last `days` listing days,
    `per_day` a day, as arXiv lists a topic group's: the sample spreads its
    1,000 papers over 35 years, so its own last week holds two."""
    latest = latest_day()
    assert latest is not None
    newest = Paper.objects.listed().order_by("-announced_on", "-arxiv_id")
    pks = list(newest.values_list("pk", flat=True)[: days * per_day])
    for offset in range(days):
        on_day = pks[offset::days]
        day = latest - dt.timedelta(days=offset)
        Paper.objects.filter(pk__in=on_day).update(announced_on=day)
        PaperTopic.objects.filter(paper_id__in=on_day).update(announced_on=day)
