"""A reader's refresh after their feedback changes: superseded requests
collapse into one training, and one overtaken by an unlike, a reset or the
account's deletion stores nothing."""

import datetime as dt
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import User
from recommender import account_data, feed, refresh, tasks, training
from recommender.engine.reader import score_many, train_reader
from recommender.models import (
    Feedback,
    FeedItem,
    ReaderModel,
)
from tests.factories import make_user
from tests.recommender.conftest import like, window_papers

pytestmark = pytest.mark.django_db


def test_ten_quick_likes_cause_one_training_and_one_quality_estimate(
    catalogue, django_capture_on_commit_callbacks, caplog
):
    reader = make_user()
    with django_capture_on_commit_callbacks() as scheduled:
        for paper in catalogue[:10]:
            Feedback.objects.create(user=reader, paper=paper, value=Feedback.LIKE)
            tasks.request_refresh(user=reader)
    assert len(scheduled) == 10

    with caplog.at_level(logging.INFO, logger="recommender"):
        for callback in scheduled:
            callback()  # the tasks run eagerly, oldest request first

    def logged(start: str) -> int:
        return sum(r.getMessage().startswith(start) for r in caplog.records)

    assert logged("trained the model") == 1
    assert logged("estimated the quality") == 1
    record = ReaderModel.objects.get(user=reader)
    assert record.n_likes == record.quality_likes == 10
    assert record.quality is not None


def test_the_quality_is_estimated_again_once_the_likes_moved_by_a_quarter(
    catalogue, django_capture_on_commit_callbacks, caplog
):
    reader = make_user()
    papers = iter(catalogue)

    def like(count: int) -> int:
        """Like `count` more papers, then refresh as a like does; how many
        quality estimates that made."""
        with django_capture_on_commit_callbacks(execute=True):
            for paper in itertools.islice(papers, count):
                Feedback.objects.create(user=reader, paper=paper, value=Feedback.LIKE)
            tasks.request_refresh(user=reader)
        estimates = [r for r in caplog.records if r.getMessage().startswith("estim")]
        caplog.clear()
        return len(estimates)

    with caplog.at_level(logging.INFO, logger="recommender"):
        assert like(12) == 1
        # 12 + 3 is a quarter more: the 13th and 14th likes ask for none.
        assert [like(1), like(1), like(1)] == [0, 0, 1]
    record = ReaderModel.objects.get(user=reader)
    assert record.n_likes == record.quality_likes == 15
    assert record.quality is not None


def test_a_refresh_that_fails_storing_its_feed_keeps_the_model_and_feed_before(
    catalogue, monkeypatch
):
    reader = make_user()
    like(reader, catalogue[:3])
    refresh.refresh_reader(user=reader)
    before = ReaderModel.objects.get(user=reader)
    items = sorted(
        FeedItem.objects.filter(user=reader).values_list("paper_id", "score")
    )
    assert items
    like(reader, catalogue[3:6])
    stamp = refresh.mark_requested(user=reader)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    # Fault injection: the feed's items cannot be written.
    monkeypatch.setattr("recommender.feed.insert_all", broken)
    with pytest.raises(RuntimeError):
        refresh.refresh_reader(user=reader, requested_at=stamp)

    after = ReaderModel.objects.get(user=reader)
    assert (after.n_likes, after.trained_at, bytes(after.data)) == (
        3,
        before.trained_at,
        bytes(before.data),
    )
    assert feed.feed_status(user=reader).updating  # the catch-up retrains it
    assert (
        sorted(FeedItem.objects.filter(user=reader).values_list("paper_id", "score"))
        == items
    )


def test_a_refresh_asked_for_before_a_reset_trains_nothing(catalogue):
    reader = make_user()
    like(reader, window_papers(catalogue)[:3])
    stamp = refresh.mark_requested(user=reader)
    account_data.reset_reader(user=reader)

    assert not refresh.refresh_reader(user=reader, requested_at=stamp)

    assert not ReaderModel.objects.filter(user=reader).exists()
    assert not FeedItem.objects.filter(user=reader).exists()


def test_a_reset_while_new_papers_are_ranked_leaves_the_feed_empty(
    catalogue, monkeypatch
):
    reader = make_user()
    like(reader, window_papers(catalogue)[:3])
    refresh.refresh_reader(user=reader)

    def reset_meanwhile(*args: Any, **kwargs: Any) -> Any:
        account_data.reset_reader(user=reader)
        return score_many(*args, **kwargs)

    # The reader resets their interests while the batch scores the new papers.
    monkeypatch.setattr("recommender.feed.score_many", reset_meanwhile)

    assert feed.build_feeds_of([reader.pk]) == 0

    assert not FeedItem.objects.filter(user=reader).exists()


def refresh_around(
    reader: User, act: Callable[[], HttpResponse], monkeypatch: pytest.MonkeyPatch
) -> tuple[bool, HttpResponse]:
    """Run a refresh of `reader`, as a worker would, on a thread and database
    connection of its own; hold it once its training has read the reader's
    feedback, `act` meanwhile, then let it store. Returns whether it stored,
    and what `act` answered."""
    trained, go_on = threading.Event(), threading.Event()

    def train_then_wait(*args: Any, **kwargs: Any) -> Any:
        model = train_reader(*args, **kwargs)
        trained.set()
        go_on.wait(60)
        return model

    def run(stamp: dt.datetime) -> bool:
        try:
            return refresh.refresh_reader(user=reader, requested_at=stamp)
        finally:
            connections.close_all()

    # The pause point: the feedback is read and the model trained, as by a
    # training that takes seconds on a whole catalogue; nothing is stored yet.
    monkeypatch.setattr("recommender.training.train_reader", train_then_wait)
    stamp = refresh.mark_requested(user=reader)
    with ThreadPoolExecutor(max_workers=1) as pool:
        stored = pool.submit(run, stamp)
        assert trained.wait(60), "the refresh never trained"
        try:
            answer = act()
        finally:
            go_on.set()
        return stored.result(timeout=60), answer


@pytest.fixture
def liking_reader(postgres: None, taxonomy: None, catalogue, client: Client) -> User:
    """A signed-in reader who likes three papers of the feed's days."""
    reader = make_user()
    like(reader, window_papers(catalogue)[:3])
    client.force_login(reader)
    return reader


@pytest.mark.django_db(transaction=True)
def test_an_unlike_during_a_refresh_is_in_the_model_that_follows(
    liking_reader, client, monkeypatch
):
    unliked = Feedback.objects.filter(user=liking_reader).latest("pk").paper

    stored, response = refresh_around(
        liking_reader,
        lambda: client.post(
            reverse("recommender:feedback", args=[unliked.pk]),
            {"value": "neither"},
            headers={"HX-Request": "true"},
        ),
        monkeypatch,
    )
    # The unlike's own refresh, retried by a worker once the stale one is done
    # (inline here it found the reader busy): the periodic catch-up runs it.
    tasks.train_readers.delay()

    assert response.status_code == 200
    assert not stored
    record = ReaderModel.objects.get(user=liking_reader)
    assert record.n_likes == 2
    model = training.load_reader_model(user=liking_reader)
    assert model is not None
    assert unliked.pk not in model.liked.tolist()
    assert FeedItem.objects.filter(user=liking_reader).exists()
    assert not FeedItem.objects.filter(closest_liked=unliked).exists()
    assert not feed.feed_status(user=liking_reader).updating


@pytest.mark.django_db(transaction=True)
def test_a_reset_during_a_refresh_brings_no_like_back(
    liking_reader, client, monkeypatch
):
    stored, response = refresh_around(
        liking_reader, lambda: client.post(reverse("recommender:reset")), monkeypatch
    )
    tasks.train_readers.delay()

    assert response.status_code == 302
    assert not stored
    assert not ReaderModel.objects.filter(user=liking_reader).exists()
    assert not FeedItem.objects.filter(user=liking_reader).exists()
    page = client.get(reverse("recommender:interests")).content.decode()
    assert "Your feed has no model yet" in page


@pytest.mark.django_db(transaction=True)
def test_an_account_deleted_during_a_refresh_is_gone(
    liking_reader, client, monkeypatch
):
    pk = liking_reader.pk

    stored, response = refresh_around(
        liking_reader,
        lambda: client.post(
            reverse("recommender:delete_account"),
            {"password": "correct horse battery staple"},
        ),
        monkeypatch,
    )

    assert response.status_code == 302
    assert not stored
    assert not User.objects.filter(pk=pk).exists()
    assert not ReaderModel.objects.filter(user_id=pk).exists()
    assert not FeedItem.objects.filter(user_id=pk).exists()
    assert not Feedback.objects.filter(user_id=pk).exists()
