"""Like and "Not interested" on every card, with htmx and without JavaScript."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from papers.models import Paper
from recommender import feed
from recommender.models import Feedback
from tests.factories import likes_of, make_paper, make_user

pytestmark = pytest.mark.django_db


def pressed(html: str, paper: Paper) -> dict[str, str]:
    """The aria-pressed of the paper's two buttons, by accessible name."""
    form = re.search(
        rf'<form class="feedback" id="feedback-{paper.pk}".*?</form>', html, re.S
    )
    assert form, f"no feedback buttons for paper {paper.pk}"
    buttons = re.findall(
        r'aria-pressed="(true|false)"><span aria-hidden="true">.</span> '
        r"([^<]+)</button>",
        form.group(0),
    )
    return {name: state for state, name in buttons}


def like_url(paper: Paper) -> str:
    return reverse("recommender:feedback", args=[paper.pk])


def test_every_card_and_paper_page_has_both_buttons(reader_client):
    paper = make_paper()

    for url in (reverse("home") + "?tab=latest", paper.get_absolute_url()):
        html = reader_client.get(url).content.decode()

        assert pressed(html, paper) == {"Like": "false", "Not interested": "false"}


def test_a_like_over_htmx_answers_the_pressed_buttons(reader_client, reader):
    paper = make_paper()

    response = reader_client.post(
        like_url(paper), {"value": "like"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert pressed(response.content.decode(), paper) == {
        "Like": "true",
        "Not interested": "false",
    }
    assert "1 like" in response.content.decode()
    assert "feedback-changed" in response["HX-Trigger"]
    assert Feedback.objects.get(user=reader, paper=paper).value == Feedback.LIKE
    assert likes_of(paper) == 1


def test_the_same_button_again_takes_the_like_back(reader_client, reader):
    paper = make_paper()
    reader_client.post(like_url(paper), {"value": "like"})

    reader_client.post(like_url(paper), {"value": "like"})

    assert not Feedback.objects.filter(user=reader).exists()
    assert likes_of(paper) == 0


def test_not_interested_replaces_a_like(reader_client, reader):
    paper = make_paper()
    reader_client.post(like_url(paper), {"value": "like"})

    response = reader_client.post(
        like_url(paper), {"value": "not-interested"}, headers={"HX-Request": "true"}
    )

    assert pressed(response.content.decode(), paper) == {
        "Like": "false",
        "Not interested": "true",
    }
    assert Feedback.objects.get(user=reader).value == Feedback.NOT_INTERESTED
    assert likes_of(paper) == 0


def test_without_javascript_the_form_comes_back_to_the_card(reader_client):
    paper = make_paper()

    response = reader_client.post(
        like_url(paper), {"value": "like", "next": "/topics/cs.LG/?page=2"}
    )

    assert response.status_code == 302
    assert response.url == f"/topics/cs.LG/?page=2#paper-{paper.pk}"
    html = reader_client.get(paper.get_absolute_url()).content.decode()
    assert pressed(html, paper)["Like"] == "true"


def test_an_outside_next_is_ignored(reader_client):
    paper = make_paper()

    response = reader_client.post(
        like_url(paper), {"value": "like", "next": "https://evil.example.com/"}
    )

    assert response.url == f"{paper.get_absolute_url()}#paper-{paper.pk}"


def test_a_visitor_is_sent_to_log_in_and_back(client):
    paper = make_paper()
    reader = make_user(password="a long enough password")

    response = client.post(
        like_url(paper), {"value": "like", "next": "/?date=2025-10-20"}
    )

    assert response.status_code == 302
    login = response.url
    assert login.startswith(reverse("accounts:login"))
    assert not Feedback.objects.exists()
    client.get(login)  # sets the CSRF cookie
    back = client.post(
        login,
        {"username": reader.username, "password": "a long enough password"},
    )
    assert back.url == f"/?date=2025-10-20#paper-{paper.pk}"


def test_a_visitor_clicking_with_htmx_is_redirected_by_htmx(client):
    paper = make_paper()

    response = client.post(
        like_url(paper),
        {"value": "like"},
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://testserver/topics/cs.LG/",
        },
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == (
        reverse("accounts:login") + f"?next=/topics/cs.LG/%23paper-{paper.pk}"
    )


def test_feedback_refuses_get_and_a_missing_csrf_token(reader):
    paper = make_paper()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reader)

    assert strict.get(like_url(paper)).status_code == 405
    assert strict.post(like_url(paper), {"value": "like"}).status_code == 403
    assert not Feedback.objects.exists()


def test_an_unknown_value_is_refused(reader_client):
    paper = make_paper()

    response = reader_client.post(like_url(paper), {"value": "love"})

    assert response.status_code == 400
    assert not Feedback.objects.exists()


def test_a_failed_retraining_loses_no_like(
    reader_client,
    reader,
    monkeypatch,
    django_capture_on_commit_callbacks,
    caplog,
):
    paper = make_paper()

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the worker crashed")

    # Fault injection: the training breaks; the like must be kept and answered.
    monkeypatch.setattr("recommender.refresh.train_reader_model", crash)
    with django_capture_on_commit_callbacks(execute=True) as retrains:
        response = reader_client.post(
            like_url(paper), {"value": "like"}, headers={"HX-Request": "true"}
        )

    assert len(retrains) == 1
    assert "the worker crashed" in caplog.text
    assert response.status_code == 200
    assert pressed(response.content.decode(), paper)["Like"] == "true"
    assert Feedback.objects.get(user=reader, paper=paper).value == Feedback.LIKE
    assert feed.feed_status(user=reader).updating  # retried by train_readers
