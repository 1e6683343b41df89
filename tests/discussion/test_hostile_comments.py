"""Hostile comments (the catalogue's hostile text: markup, event handlers,
javascript: URLs, LaTeX, direction marks) render escaped wherever comments
show: the paper's page, the page of new replies, a day's cards and the digest."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from bench.hostile_content import HOSTILE_ABSTRACT, HOSTILE_AUTHORS, HOSTILE_TITLE
from recommender import digest_sending
from recommender.models import DigestSettings
from tests.discussion.helpers import post
from tests.factories import make_paper, make_user
from tests.outputs import assert_escaped
from tests.recommender.test_digests import html_of

pytestmark = pytest.mark.django_db

# As long as a comment may be, formulas and all.
HOSTILE_COMMENT = f"{HOSTILE_TITLE}\n\n{HOSTILE_AUTHORS[0]}\n{HOSTILE_ABSTRACT}"[:5_000]


def test_a_hostile_comment_renders_escaped_everywhere(
    reader_client: Client, reader: User
):
    paper = make_paper(title=HOSTILE_TITLE)
    mine = post(reader_client, paper, "A harmless question.")
    mallory = Client()
    mallory.force_login(make_user(username="<b>Mallory</b>"))
    post(mallory, paper, HOSTILE_COMMENT, parent=mine)
    DigestSettings.objects.create(user=reader, frequency="daily")

    digest_sending.send_digests(username=reader.username)
    (message,) = mail.outbox
    outputs = {
        "paper": reader_client.get(paper.get_absolute_url()).content.decode(),
        "replies": reader_client.get(reverse("discussion:replies")).content.decode(),
        "digest": html_of(message),
    }

    for where, text in outputs.items():
        assert_escaped(text, where)
        assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in text, where
        assert "&lt;b&gt;Mallory&lt;/b&gt;" in text, where
    # Its formulas are drawn, as in an abstract.
    assert outputs["paper"].count("Attention <math") > 100


def test_a_hostile_comment_keeps_the_day_page_whole(
    reader_client: Client, client: Client
):
    paper = make_paper()
    post(reader_client, paper, HOSTILE_COMMENT)

    page = client.get(reverse("home") + f"?date={paper.announced_on:%Y-%m-%d}")

    assert page.status_code == 200
    assert ">1 comment</a>" in page.content.decode()
