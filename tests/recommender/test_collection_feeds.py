"""A collection's feed, "more like this collection": trained on its papers by
the reader's training path once per change, rebuilt with new papers, on the
real sample papers in a real database."""

import pytest

from papers.models import Paper
from recommender import collection_feed, collections, tasks
from recommender.feedback import set_feedback
from recommender.models import (
    Collection,
    CollectionEntry,
    CollectionFeedItem,
    CollectionModel,
    Feedback,
)
from tests.factories import make_user
from tests.recommender.conftest import primary, window_papers

pytestmark = pytest.mark.django_db


def collection_of(papers: list[Paper], *, feed_enabled: bool = True) -> Collection:
    owner = make_user()
    collection = Collection.objects.create(
        owner=owner, name="Galaxies", feed_enabled=feed_enabled
    )
    CollectionEntry.objects.bulk_create(
        CollectionEntry(collection=collection, paper=paper) for paper in papers
    )
    return collection


def changed(collection: Collection, capture) -> None:
    """A change of the collection's papers, committed (tasks run inline)."""
    with capture(execute=True):
        tasks.request_collection_refresh(collection=collection)


def test_a_collection_feed_ranks_the_recent_days_by_its_papers_and_says_why(
    catalogue, django_capture_on_commit_callbacks
):
    recent = set(window_papers(catalogue))
    astro = [p for p in catalogue if primary(p).startswith("astro-ph")]
    collection = collection_of([p for p in astro if p not in recent][:5])

    changed(collection, django_capture_on_commit_callbacks)

    items = list(
        collection_feed.collection_items(collection=collection).order_by("-score")
    )
    assert {item.paper for item in items} <= recent
    top = [item.paper for item in items[:10]]
    assert sum(primary(p).startswith("astro-ph") for p in top) >= 8
    entries = set(collection.entries.values_list("paper_id", flat=True))
    assert all(item.closest_entry_id in entries for item in items)
    explained = next(item for item in items[:10] if item.terms)
    why = explained.why_text()
    assert explained.closest_entry is not None
    assert why.startswith("matches " + ", ".join(explained.terms))
    assert why.endswith(f"“{explained.closest_entry.title}”, in the collection")


def test_a_collection_is_trained_once_per_change_and_never_by_reading(
    catalogue, django_capture_on_commit_callbacks, client
):
    collection = collection_of(catalogue[:3])
    changed(collection, django_capture_on_commit_callbacks)
    record = CollectionModel.objects.get(collection=collection)
    client.force_login(collection.owner)

    client.get("/", {"tab": f"collection-{collection.pk}"})
    collection_feed.collection_items(collection=collection).count()

    again = CollectionModel.objects.get(collection=collection)
    assert record.trained_at is not None
    assert again.trained_at == record.trained_at
    assert again.n_papers == 3


def test_a_refresh_overtaken_by_a_later_change_stores_nothing(catalogue):
    collection = collection_of(catalogue[:3])
    stamp = collection_feed.mark_requested(collection=collection)
    CollectionEntry.objects.create(collection=collection, paper=catalogue[3])
    collection_feed.mark_requested(collection=collection)  # the add's own stamp

    done = collection_feed.refresh_collection(collection=collection, requested_at=stamp)

    assert not done
    assert CollectionModel.objects.get(collection=collection).trained_at is None
    assert not CollectionFeedItem.objects.filter(collection=collection).exists()


def test_new_papers_rebuild_the_feeds_of_collections_with_a_feed(
    catalogue, django_capture_on_commit_callbacks
):
    collection = collection_of(catalogue[:5])
    changed(collection, django_capture_on_commit_callbacks)
    off = collection_of(catalogue[5:10], feed_enabled=False)
    changed(off, django_capture_on_commit_callbacks)  # nothing while it is off
    newest = Paper.objects.latest("announced_on").announced_on
    CollectionFeedItem.objects.filter(collection=collection, day=newest).delete()

    tasks.build_feeds(newest.isoformat(), newest.isoformat())

    assert CollectionFeedItem.objects.filter(collection=collection, day=newest)
    assert not CollectionModel.objects.filter(collection=off).exists()
    assert not CollectionFeedItem.objects.filter(collection=off).exists()


def test_the_owners_judged_papers_leave_the_feed_and_retrain_nothing(
    catalogue, django_capture_on_commit_callbacks
):
    collection = collection_of(catalogue[:5])
    changed(collection, django_capture_on_commit_callbacks)
    trained_at = CollectionModel.objects.get(collection=collection).trained_at
    shown = collection_feed.collection_items(collection=collection).order_by("-score")
    dismissed = shown[0].paper

    with django_capture_on_commit_callbacks(execute=True):
        set_feedback(
            user=collection.owner, paper=dismissed, value=Feedback.NOT_INTERESTED
        )

    assert dismissed not in {item.paper for item in shown}
    assert CollectionModel.objects.get(collection=collection).trained_at == trained_at
    assert not collection_feed.updating(collection)


def test_a_lost_refresh_is_caught_up_by_the_periodic_training(catalogue):
    collection = collection_of(catalogue[:3])
    # Stamped, but its task never reached a worker (the broker was down).
    stamp = collection_feed.mark_requested(collection=collection)
    off = collection_of(catalogue[3:6], feed_enabled=False)

    tasks.train_readers()

    record = CollectionModel.objects.get(collection=collection)
    assert record.requested_at == stamp  # answered, not stamped anew
    assert record.trained_at is not None
    assert record.trained_at > stamp
    assert CollectionFeedItem.objects.filter(collection=collection).exists()
    assert not CollectionModel.objects.filter(collection=off).exists()


def test_adding_and_removing_papers_retrains_the_feed_and_importing_too(
    catalogue, django_capture_on_commit_callbacks
):

    collection = collection_of(catalogue[:3])
    reader = collection.owner

    with django_capture_on_commit_callbacks(execute=True):
        collections.add_paper(collection=collection, paper=catalogue[3])
    assert CollectionModel.objects.get(collection=collection).n_papers == 4

    with django_capture_on_commit_callbacks(execute=True):
        collections.remove_paper(collection=collection, paper=catalogue[0])
    assert CollectionModel.objects.get(collection=collection).n_papers == 3

    collection.like_adds = True
    collection.save()
    with django_capture_on_commit_callbacks(execute=True):
        set_feedback(user=reader, paper=catalogue[4], value=Feedback.LIKE)
    assert CollectionModel.objects.get(collection=collection).n_papers == 4

    with django_capture_on_commit_callbacks(execute=True):
        collections.import_bibtex(
            collection=collection,
            bibtex=f"@article{{k, eprint={{{catalogue[5].arxiv_id}}}}}",
        )
    assert CollectionModel.objects.get(collection=collection).n_papers == 5
