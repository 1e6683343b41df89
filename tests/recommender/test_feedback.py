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


def test_a_like_sent_twice_stays_a_like_and_sends_one_refresh(
    reader_client, reader, django_capture_on_commit_callbacks
):
    paper = make_paper()

    with django_capture_on_commit_callbacks() as refreshes:
        reader_client.post(like_url(paper), {"value": "like"})
        again = reader_client.post(
            like_url(paper), {"value": "like"}, headers={"HX-Request": "true"}
        )

    assert Feedback.objects.get(user=reader, paper=paper).value == Feedback.LIKE
    assert likes_of(paper) == 1
    assert len(refreshes) == 1
    assert "HX-Trigger" not in again
    assert "Undo" not in again.content.decode()


def test_a_pressed_button_offers_neither_and_clears_the_judgement(
    reader_client, reader
):
    paper = make_paper()
    liked = reader_client.post(
        like_url(paper), {"value": "like"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'value="neither" class="feedback-button like"' in liked

    reader_client.post(like_url(paper), {"value": "neither"})

    assert not Feedback.objects.filter(user=reader).exists()
    assert likes_of(paper) == 0


def test_undo_restores_exactly_the_state_before(reader_client, reader):
    paper = make_paper()
    reader_client.post(like_url(paper), {"value": "like"})

    dismissed = reader_client.post(
        like_url(paper), {"value": "not-interested"}, headers={"HX-Request": "true"}
    ).content.decode()
    undo = re.search(
        r'name="value" value="([a-z-]+)" class="link-button undo"', dismissed
    )
    assert undo is not None
    reader_client.post(like_url(paper), {"value": undo[1]})

    assert Feedback.objects.get(user=reader, paper=paper).value == Feedback.LIKE


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


def test_a_visitor_is_told_why_to_log_in_and_the_like_is_applied_after(client):
    paper = make_paper(title="Sheaf neural networks")
    reader = make_user(password="a long enough password")

    response = client.post(
        like_url(paper), {"value": "like", "next": "/?date=2025-10-20"}
    )

    assert response.status_code == 302
    login = response.url
    assert login.startswith(reverse("accounts:login"))
    assert not Feedback.objects.exists()
    page = client.get(login).content.decode()  # also sets the CSRF cookie
    assert "Log in or sign up to like “Sheaf neural networks”" in page
    back = client.post(
        login,
        {"username": reader.username, "password": "a long enough password"},
    )
    assert back.url == f"/?date=2025-10-20#paper-{paper.pk}"
    assert Feedback.objects.get(user=reader, paper=paper).value == Feedback.LIKE
    assert likes_of(paper) == 1


def test_a_visitor_who_signs_up_instead_gets_the_like_too(client):
    paper = make_paper()
    client.post(like_url(paper), {"value": "not-interested"})

    client.post(
        reverse("accounts:signup"),
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": "a long enough password",
            "password2": "a long enough password",
        },
    )

    feedback = Feedback.objects.get(paper=paper)
    assert feedback.user.username == "newcomer"
    assert feedback.value == Feedback.NOT_INTERESTED


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
    monkeypatch.setattr("recommender.refresh.train_model", crash)
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


def test_the_compact_view_is_remembered_for_the_reader(reader_client, reader):
    make_paper()

    response = reader_client.post(
        reverse("recommender:card_view"), {"view": "compact", "next": "/?period=week"}
    )
    elsewhere = Client()
    elsewhere.force_login(reader)
    page = elsewhere.get(reverse("home")).content.decode()

    assert response.url == "/?period=week"
    assert 'class="compact-cards"' in page
    assert 'value="full" class="link-button">Full cards' in page
    reader_client.post(reverse("recommender:card_view"), {"view": "full"})
    assert (
        'class="compact-cards"' not in elsewhere.get(reverse("home")).content.decode()
    )


def test_a_visitor_keeps_the_compact_view_for_the_visit(client):
    make_paper()

    client.post(reverse("recommender:card_view"), {"view": "compact"})

    assert 'class="compact-cards"' in client.get(reverse("home")).content.decode()
    assert 'class="compact-cards"' not in Client().get(reverse("home")).content.decode()
