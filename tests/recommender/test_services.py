"""Index, reader models and similar papers through the services, on the real
sample papers in a real database."""

import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from papers.models import Paper
from recommender import services
from recommender.models import (
    Feedback,
    FeedItem,
    PaperVector,
    ReaderModel,
    TextIndex,
)
from tests.factories import make_paper, make_user
from tests.recommender.conftest import like, primary

pytestmark = pytest.mark.django_db


def test_building_the_index_vectorizes_every_paper(catalogue):
    index = TextIndex.objects.get(is_current=True)

    assert index.n_papers == len(catalogue) == 1000
    assert index.n_terms > 1000
    assert PaperVector.objects.filter(index_version=index.version).count() == 1000


def test_a_trained_reader_gets_their_field_first(catalogue):
    reader = make_user()
    astro = [p for p in catalogue if primary(p).startswith("astro-ph")]
    like(reader, astro[:5])
    candidates = [p for p in catalogue if p not in astro[:5]]

    record = services.train_reader_model(user=reader)
    ranked = services.rank_for_reader(user=reader, paper_ids=[p.pk for p in candidates])

    assert record is not None
    assert record.n_likes == 5
    assert ranked is not None
    assert sorted(ranked) == sorted(p.pk for p in candidates)
    by_id = {p.pk: p for p in candidates}
    top = [by_id[pk] for pk in ranked[:20]]
    assert sum(primary(p).startswith("astro-ph") for p in top) >= 16


def test_a_model_of_an_older_index_is_retrained(catalogue):
    reader = make_user()
    like(reader, catalogue[:3])
    services.train_reader_model(user=reader)
    old_version = ReaderModel.objects.get(user=reader).index_version

    services.build_index()

    assert services.load_reader_model(user=reader) is None  # stale: never scored
    assert services.train_readers() == 1
    record = ReaderModel.objects.get(user=reader)
    assert record.index_version != old_version
    assert record.index_version == TextIndex.objects.get(is_current=True).version
    assert services.load_reader_model(user=reader) is not None


def test_ten_quick_likes_cause_one_training_and_one_quality_estimate(
    catalogue, django_capture_on_commit_callbacks, caplog
):
    reader = make_user()
    with django_capture_on_commit_callbacks() as scheduled:
        for paper in catalogue[:10]:
            Feedback.objects.create(user=reader, paper=paper, value=Feedback.LIKE)
            services.request_retrain(user=reader)
    assert len(scheduled) == 10

    with caplog.at_level(logging.INFO, logger="recommender.services"):
        for callback in scheduled:
            callback()  # the tasks run eagerly, oldest request first

    def logged(start: str) -> int:
        return sum(r.getMessage().startswith(start) for r in caplog.records)

    assert logged("trained the model") == 1
    assert logged("estimated the quality") == 1
    record = ReaderModel.objects.get(user=reader)
    assert record.n_likes == record.quality_likes == 10
    assert record.quality is not None


def test_new_papers_are_vectorized_with_the_current_vocabulary(catalogue):
    version = TextIndex.objects.get(is_current=True).version
    twin = catalogue[0]
    paper = make_paper(arxiv_id="2601.00001", title=twin.title, abstract=twin.abstract)

    assert services.vectorize_new_papers() == {paper.announced_on}

    assert PaperVector.objects.get(paper=paper).index_version == version
    assert services.similar_papers(paper=paper, count=3)[0] == twin


def test_similar_papers_are_ten_others_nearest_first(catalogue):
    paper = catalogue[10]

    similar = services.similar_papers(paper=paper)

    assert len(similar) == 10
    assert paper not in similar


def test_feed_items_name_terms_and_the_closest_like(catalogue):
    reader = make_user()
    astro = [p for p in catalogue if primary(p).startswith("astro-ph")]
    liked, candidate = astro[:3], astro[3]
    like(reader, liked)
    Paper.objects.filter(pk=candidate.pk).update(
        announced_on=Paper.objects.latest("announced_on").announced_on
    )
    services.train_reader_model(user=reader)

    services.build_feed(user=reader)

    item = FeedItem.objects.get(user=reader, paper=candidate)
    assert item.closest_liked in liked
    assert item.terms
    text = f"{candidate.title} {candidate.abstract}".lower()
    assert all(term in text for term in item.terms)


def test_build_index_command_refuses_an_empty_catalogue():
    with pytest.raises(CommandError, match="empty"):
        call_command("build_index")


def test_commands_build_the_index_and_train_readers(sample_papers_file, capsys):
    call_command("import_papers", str(sample_papers_file))
    reader = make_user()
    like(reader, list(Paper.objects.all()[:4]))

    call_command("build_index")
    call_command("train_readers", "--all")

    out = capsys.readouterr().out
    assert "1,000 papers" in out
    assert "trained 1 reader model" in out
    assert ReaderModel.objects.get(user=reader).n_likes == 4


def test_imported_papers_get_vectors_in_the_current_index(catalogue, tmp_path):
    new = tmp_path / "new.jsonl"
    new.write_text(
        '{"id": "2601.00002", "title": "Dwarf galaxies", "abstract": "Dark matter'
        ' halos of dwarf galaxies.", "categories": ["astro-ph.GA"]}\n'
    )

    call_command("import_papers", str(new))

    version = TextIndex.objects.get(is_current=True).version
    assert PaperVector.objects.filter(
        paper__arxiv_id="2601.00002", index_version=version
    ).exists()


def test_build_index_if_missing_does_nothing_without_papers_or_with_an_index(catalogue):
    version = TextIndex.objects.get(is_current=True).version

    call_command("build_index", "--if-missing")

    assert TextIndex.objects.get(is_current=True).version == version
