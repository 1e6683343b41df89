"""The collaborative signal: built block by block, stored once, and mapped
by every process, on the real sample papers in a real database."""

import datetime as dt
import io
import logging
import mmap

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from scipy import sparse

from papers.models import Paper
from recommender import collaborative, index, loaded, locks, ranking, tasks, training
from recommender.engine.corpus import build_collaborative
from recommender.models import CollaborativeSignal, PaperVector, TextIndex
from tests.factories import make_paper, make_user
from tests.recommender.conftest import like

pytestmark = pytest.mark.django_db


def random_likes(readers: int, papers: int, per_reader: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    likes = np.zeros((readers, papers), dtype=np.float32)
    for reader in range(readers):
        likes[reader, rng.choice(papers, per_reader, replace=False)] = 1
    return likes


def test_the_signal_built_in_blocks_is_the_signal_worked_out_whole():
    likes = random_likes(readers=30, papers=60, per_reader=8, seed=1)
    shrink, beta = 50.0, 0.3
    # Written out with dense arrays, every pair kept.
    counts = likes.sum(axis=0)
    co = likes.T @ likes
    related = co / (np.sqrt(np.outer(counts, counts)) + shrink)
    per_reader = likes / likes.sum(axis=1, keepdims=True)
    per_paper = likes.T / np.maximum(counts[:, None], 1)
    walk = (per_paper @ per_reader) / np.power(np.maximum(counts, 1), beta)
    for matrix in (related, walk):
        np.fill_diagonal(matrix, 0)

    # A budget of a few pairs puts a handful of papers in each block.
    for budget in (20, 10_000_000):
        built = build_collaborative(
            sparse.csr_matrix(likes),
            neighbours=60,
            shrink=shrink,
            beta=beta,
            budget=budget,
        )
        np.testing.assert_allclose(built.related.toarray(), related, rtol=1e-5)
        np.testing.assert_allclose(built.walk.toarray(), walk, rtol=1e-5)
        np.testing.assert_allclose(built.popularity, np.log1p(counts), rtol=1e-6)


def test_each_paper_keeps_its_closest_neighbours_whatever_the_blocks():
    likes = sparse.csr_matrix(
        random_likes(readers=50, papers=80, per_reader=10, seed=2)
    )

    whole = build_collaborative(likes, neighbours=5)
    blocks = build_collaborative(likes, neighbours=5, budget=30)

    for built in (whole, blocks):
        assert np.diff(built.related.indptr).max() == 5
    full = build_collaborative(likes, neighbours=80).related.toarray()
    for row in range(80):
        kept = whole.related[row].toarray().ravel()
        assert np.sort(kept[kept > 0]).tolist() == np.sort(full[row])[-5:].tolist()
    assert (whole.related != blocks.related).nnz == 0
    assert (whole.walk != blocks.walk).nnz == 0


def mapped(array: np.ndarray) -> bool:
    """Whether `array` is a view of a file mapped into memory, not a copy."""
    base: object = array
    while isinstance(base, np.ndarray):
        base = base.base
    return isinstance(base, mmap.mmap)


def current_now():
    current = index.current_corpus()
    assert current is not None
    return current


def corpus_now():
    return current_now().corpus


def signal_after_a_refresh():
    """What a reader's refresh would score with: it asks for a build of an
    out-of-date signal first (run inline here, with eager tasks)."""
    tasks.request_collaborative_build()
    return collaborative.signal_over(current_now())


def readers_liking(papers: list[Paper], groups: list[slice]) -> None:
    for group in groups:
        like(make_user(), papers[group])


def test_likes_are_turned_into_a_signal_once_and_mapped_from_storage(catalogue):
    readers_liking(catalogue, [slice(0, 3), slice(0, 3), slice(10, 12)])
    corpus = corpus_now()
    row = corpus.rows([catalogue[0].pk, catalogue[1].pk, catalogue[10].pk])

    first = signal_after_a_refresh()
    again = signal_after_a_refresh()

    assert CollaborativeSignal.objects.count() == 1
    assert again is first
    # Papers liked together are related; a paper liked by two readers is
    # more popular than one liked by one.
    assert first.related[row[0], row[1]] > 0
    assert first.related[row[0], row[2]] == 0
    assert first.popularity[row[0]] > first.popularity[row[2]] > 0
    # Mapped read-only from the stored files, not a copy of this process.
    assert mapped(first.related.data)
    assert mapped(first.walk.indices)
    assert not first.related.data.flags.writeable
    stored = CollaborativeSignal.objects.get()
    assert (stored.likes, stored.papers) == (8, len(corpus))
    assert default_storage.exists(collaborative._name(stored.version, "related.data"))


def test_a_new_like_is_in_the_signal_at_once_when_the_ttl_is_zero(catalogue):
    readers_liking(catalogue, [slice(0, 2)])
    corpus = corpus_now()
    before = signal_after_a_refresh()
    rows = corpus.rows([catalogue[0].pk, catalogue[5].pk])
    assert before.related[rows[0], rows[1]] == 0

    readers_liking(catalogue, [slice(0, 6)])
    after = signal_after_a_refresh()

    assert after.related[rows[0], rows[1]] > 0
    assert CollaborativeSignal.objects.count() == 2


def test_the_signal_is_built_again_only_once_it_is_ttl_old(catalogue, settings):
    settings.PAPERFEED_COLLABORATIVE_TTL = 3600
    readers_liking(catalogue, [slice(0, 2)])
    corpus = corpus_now()
    signal_after_a_refresh()
    readers_liking(catalogue, [slice(0, 6)])
    rows = corpus.rows([catalogue[0].pk, catalogue[5].pk])

    within = signal_after_a_refresh()
    CollaborativeSignal.objects.update(
        built_at=timezone.now() - dt.timedelta(seconds=3601)
    )
    aged = signal_after_a_refresh()

    assert within.related[rows[0], rows[1]] == 0
    assert aged.related[rows[0], rows[1]] > 0
    assert CollaborativeSignal.objects.count() == 2


def test_old_builds_are_deleted_with_their_files(catalogue):
    versions = []
    for group in (slice(0, 2), slice(2, 4), slice(4, 6)):
        readers_liking(catalogue, [group])
        signal_after_a_refresh()
        versions.append(CollaborativeSignal.objects.latest("pk").version)

    kept = list(CollaborativeSignal.objects.values_list("version", flat=True))

    assert sorted(kept) == sorted(versions[1:])
    assert not default_storage.exists(collaborative._name(versions[0], "ids"))
    assert default_storage.exists(collaborative._name(versions[2], "ids"))


def test_papers_added_after_the_build_join_the_signal_without_likes(catalogue):
    readers_liking(catalogue, [slice(0, 3), slice(0, 3)])
    old = signal_after_a_refresh()
    old_rows = len(corpus_now())

    make_paper(title="A paper vectorized after the build")
    index.vectorize_new_papers()
    grown = collaborative.signal_over(current_now())

    assert CollaborativeSignal.objects.count() == 1
    assert grown.related.shape == (old_rows + 1, old_rows + 1)
    assert grown.popularity[-1] == 0
    assert grown.related[-1].nnz == 0
    assert (grown.related[:old_rows, :old_rows] != old.related).nnz == 0
    # Still the mapped arrays, not a copy.
    assert mapped(grown.related.data)


def test_papers_that_left_the_corpus_leave_the_signal(catalogue):
    readers_liking(catalogue, [slice(0, 3), slice(0, 3)])
    corpus = corpus_now()
    before = signal_after_a_refresh()
    liked = corpus.rows([p.pk for p in catalogue[:3]])
    expected = before.related[liked][:, liked].toarray()

    PaperVector.objects.filter(paper=catalogue[1]).delete()
    TextIndex.objects.filter(is_current=True).update(vectors_changed_at=timezone.now())
    corpus = corpus_now()
    after = collaborative.signal_over(current_now())
    rows = corpus.rows([catalogue[0].pk, catalogue[2].pk])

    assert len(corpus) == len(catalogue) - 1
    assert after.related.shape == (len(corpus), len(corpus))
    assert after.related[rows[0], rows[1]] == pytest.approx(expected[0, 2])
    assert after.popularity[rows[0]] == before.popularity[liked[0]]


def test_an_object_store_without_local_paths_serves_the_signal(catalogue, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    readers_liking(catalogue, [slice(0, 3), slice(0, 3)])
    corpus = corpus_now()
    rows = corpus.rows([catalogue[0].pk, catalogue[1].pk])

    signal = signal_after_a_refresh()

    assert signal.related[rows[0], rows[1]] > 0


def test_a_signal_missing_from_the_storage_is_reported_and_scoring_goes_on(
    catalogue, caplog
):
    reader = make_user()
    like(reader, catalogue[:3])
    signal_after_a_refresh()
    training.train_reader_model(user=reader)
    stored = CollaborativeSignal.objects.get()
    for name in collaborative.ARRAYS:
        default_storage.delete(collaborative._name(stored.version, name))
    loaded.forget()  # another machine, which never loaded it

    with caplog.at_level(logging.ERROR, logger="recommender.collaborative"):
        signal = collaborative.signal_over(current_now())
        ranked = ranking.rank_for_reader(
            user=reader, paper_ids=[p.pk for p in catalogue[3:50]]
        )

    assert signal.related.nnz == 0
    assert ranked is not None
    assert len(ranked) == 47
    assert "not in the storage" in caplog.text


def test_one_build_at_a_time_across_processes(postgres, catalogue):
    readers_liking(catalogue, [slice(0, 3)])
    corpus = corpus_now()
    # Another process holds the build lock, on a connection of its own.
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(%s, 0)", [locks.COLLABORATIVE_BUILD]
            )
        assert collaborative.build_signal(corpus) is None
        assert CollaborativeSignal.objects.count() == 0
    finally:
        # Let go before closing: the server ends a closed connection's session,
        # and with it the lock, a moment after the client has returned.
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, 0)", [locks.COLLABORATIVE_BUILD]
            )
        other.close()

    assert collaborative.build_signal(corpus) is not None


def test_an_admin_builds_the_signal_with_a_command(catalogue):
    readers_liking(catalogue, [slice(0, 3)])
    out = io.StringIO()

    call_command("build_collaborative", stdout=out)

    stored = CollaborativeSignal.objects.get()
    assert f"stored {stored.version}: 3 likes over 1000 papers" in out.getvalue()
