"""Readers' models: trained from their feedback, stored and used to rank, on
the real sample papers in a real database."""

import datetime as dt

import pytest

from papers.models import Paper
from recommender import feed, index, ranking, refresh, training
from recommender.models import (
    Feedback,
    FeedItem,
    ReaderModel,
    TextIndex,
)
from tests.factories import make_user
from tests.recommender.conftest import like, primary

pytestmark = pytest.mark.django_db


def test_a_trained_reader_gets_their_field_first(catalogue):
    reader = make_user()
    astro = [p for p in catalogue if primary(p).startswith("astro-ph")]
    like(reader, astro[:5])
    candidates = [p for p in catalogue if p not in astro[:5]]

    trained = training.train_reader_model(user=reader)
    ranked = ranking.rank_for_reader(user=reader, paper_ids=[p.pk for p in candidates])

    assert trained is not None
    assert ReaderModel.objects.get(user=reader).n_likes == 5
    assert ranked is not None
    assert sorted(ranked) == sorted(p.pk for p in candidates)
    by_id = {p.pk: p for p in candidates}
    top = [by_id[pk] for pk in ranked[:20]]
    assert sum(primary(p).startswith("astro-ph") for p in top) >= 16


def test_ranked_pages_follow_the_readers_newest_model(catalogue):
    reader = make_user()
    astro = [p for p in catalogue if primary(p).startswith("astro-ph")]
    maths = [p for p in catalogue if primary(p).startswith("math.")]
    candidates = [p.pk for p in astro[5:] + maths[5:]]
    like(reader, astro[:5])
    training.train_reader_model(user=reader)
    before = ranking.rank_for_reader(user=reader, paper_ids=candidates)
    # The reader changes their mind: the next page ranks by the new model,
    # not by the one this process decoded for the last page.
    Feedback.objects.filter(user=reader).delete()
    like(reader, maths[:5])
    training.train_reader_model(user=reader)
    after = ranking.rank_for_reader(user=reader, paper_ids=candidates)

    assert before is not None
    assert after is not None
    maths_ids = {p.pk for p in maths}
    assert sum(pk in maths_ids for pk in before[:10]) <= 2
    assert sum(pk in maths_ids for pk in after[:10]) >= 8


def test_a_model_of_an_older_index_is_retrained(catalogue):
    reader = make_user()
    like(reader, catalogue[:3])
    training.train_reader_model(user=reader)
    old_version = ReaderModel.objects.get(user=reader).index_version

    index.build_index()

    assert training.load_reader_model(user=reader) is None  # stale: never scored
    assert refresh.train_readers() == 1
    record = ReaderModel.objects.get(user=reader)
    assert record.index_version != old_version
    assert record.index_version == TextIndex.objects.get(is_current=True).version
    assert training.load_reader_model(user=reader) is not None


def test_a_feed_lost_after_its_model_was_stored_is_rebuilt_by_the_catch_up(
    catalogue,
):
    reader = make_user()
    like(reader, catalogue[:3])
    refresh.refresh_reader(user=reader)
    built = ReaderModel.objects.get(user=reader).feed_built_at
    assert built is not None
    # A later change whose model was stored alone (`train_reader_model`)
    # but whose feed never was.
    ReaderModel.objects.filter(user=reader).update(
        requested_at=built + dt.timedelta(seconds=1),
        trained_at=built + dt.timedelta(seconds=2),
    )
    assert feed.feed_status(user=reader).updating

    assert refresh.train_readers() == 1
    assert not feed.feed_status(user=reader).updating


def test_feed_items_name_terms_and_the_closest_like(catalogue):
    reader = make_user()
    astro = [p for p in catalogue if primary(p).startswith("astro-ph")]
    liked, candidate = astro[:3], astro[3]
    like(reader, liked)
    Paper.objects.filter(pk=candidate.pk).update(
        announced_on=Paper.objects.latest("announced_on").announced_on
    )
    training.train_reader_model(user=reader)

    feed.build_feed(user=reader)

    item = FeedItem.objects.get(user=reader, paper=candidate)
    assert item.closest_liked in liked
    assert item.terms
    text = f"{candidate.title} {candidate.abstract}".lower()
    assert all(term in text for term in item.terms)


def test_a_deleted_paper_leaves_the_feeds_and_their_why(catalogue):
    """Feed items keep no foreign key in the database (a refresh writes
    hundreds): deleting a paper still takes its items away, and an item
    whose closest liked paper it was keeps its place without it."""
    reader = make_user()
    astro = [p for p in catalogue if primary(p).startswith("astro-ph")]
    like(reader, astro[:3])
    day = Paper.objects.latest("announced_on").announced_on
    Paper.objects.filter(pk__in=[p.pk for p in astro[3:6]]).update(announced_on=day)
    training.train_reader_model(user=reader)
    feed.build_feed(user=reader)
    gone, kept = astro[3], FeedItem.objects.filter(user=reader, paper=astro[4]).get()
    closest = kept.closest_liked
    assert closest is not None

    Paper.objects.filter(pk__in=[gone.pk, closest.pk]).delete()

    assert not FeedItem.objects.filter(paper_id=gone.pk).exists()
    kept.refresh_from_db()
    assert kept.closest_liked is None
    assert "which you liked" not in kept.why_text()
