"""Every output that shows a stored paper, read as its readers would: the
public pages, a reader's pages, the Atom feed, the digest and the exports.
The hostile-content tests and the fuzz tests read the same outputs."""

import re
from dataclasses import dataclass

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import FeedToken, User
from papers.models import Paper, author_url
from recommender import digest_sending
from recommender.models import DigestSettings, Feedback, FeedItem
from tests.recommender.test_digests import html_of

ATOM = "{http://www.w3.org/2005/Atom}"
# What hostile text holds and an escaped output never shows as written.
RAW = ("<script>alert", "<img src=x", "<iframe", "<svg onload", "<b>Mallory</b>")


def assert_escaped(text: str, where: str) -> None:
    for raw in RAW:
        assert raw not in text, (where, raw)
    assert 'href="javascript:' not in text, where


@dataclass
class Output:
    where: str
    status: int
    text: str
    html: bool  # a page or an e-mail's HTML, as opposed to a feed or a file


def outputs_of(paper: Paper, reader: User, reader_client: Client) -> list[Output]:
    """`paper` in `reader`'s feed (sent in their digest and Atom feed), then
    liked (in their library and exports), and on every public page that
    lists it: its day, its topics, its page, a search for a word of its
    title and its authors' pages. `paper` is listed on its announced day."""
    FeedItem.objects.create(
        user=reader,
        paper=paper,
        day=paper.announced_on,
        score=1.0,
        terms=re.findall(r"\w+", paper.title)[:3],
        closest_liked=paper,
    )
    DigestSettings.objects.update_or_create(
        user=reader, defaults={"frequency": "daily"}
    )
    outbox = len(mail.outbox)
    digest_sending.send_digests(username=reader.username)
    (message,) = mail.outbox[outbox:]
    visitor = Client()
    outputs = [
        Output("digest", 200, html_of(message), html=True),
        Output("digest text", 200, str(message.body), html=False),
        _read(
            visitor,
            "atom feed",
            reverse("recommender:atom_feed", args=[FeedToken.for_user(reader).key]),
        ),
        _read(reader_client, "for you", reverse("home")),
    ]
    day = f"{paper.announced_on:%Y-%m-%d}"
    public = {
        "day": reverse("home") + f"?date={day}",
        "paper": paper.get_absolute_url(),
        "search": reverse("papers:search") + "?" + _query(paper.title),
        **{
            f"topic {link.topic.code}": link.topic.get_absolute_url() + f"?date={day}"
            for link in paper.topic_links.select_related("topic")
        },
        # The names a card links.
        **{f"author {name!r}": author_url(name) for name in paper.first_authors},
    }
    outputs += [_read(visitor, where, url) for where, url in public.items()]
    Feedback.objects.create(user=reader, paper=paper, value=Feedback.LIKE)
    mine = {
        "library": reverse("recommender:library"),
        "similar": reverse("recommender:similar", args=[paper.pk]),
        "bibtex": reverse("recommender:export_bibtex"),
        "csv": reverse("recommender:export_csv"),
        "json": reverse("recommender:export_json"),
        "account export": reverse("recommender:export_account"),
    }
    outputs += [_read(reader_client, where, url) for where, url in mine.items()]
    return outputs


def _query(title: str) -> str:
    word = re.search(r"\w+", title)
    return urlencode({"q": word.group() if word else title[:50]})


def _read(client: Client, where: str, url: str) -> Output:
    response = client.get(url)
    content_type = response.headers.get("Content-Type", "")
    return Output(
        where,
        response.status_code,
        response.content.decode(),
        html=content_type.startswith("text/html"),
    )
