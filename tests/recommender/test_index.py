"""The text index: fitted on the catalogue, stored, and kept in step with new
papers, on the real sample papers in a real database."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from papers.models import Paper
from recommender import index, ranking
from recommender.models import (
    PaperVector,
    ReaderModel,
    TextIndex,
)
from tests.factories import make_paper, make_user
from tests.recommender.conftest import like

pytestmark = pytest.mark.django_db


def test_building_the_index_vectorizes_every_paper(catalogue):
    index = TextIndex.objects.get(is_current=True)

    assert index.n_papers == len(catalogue) == 1000
    assert index.n_terms > 1000
    assert PaperVector.objects.filter(index_version=index.version).count() == 1000


def test_new_papers_are_vectorized_with_the_current_vocabulary(catalogue):
    version = TextIndex.objects.get(is_current=True).version
    twin = catalogue[0]
    paper = make_paper(arxiv_id="2601.00001", title=twin.title, abstract=twin.abstract)

    assert index.vectorize_new_papers() == {paper.announced_on}

    assert PaperVector.objects.get(paper=paper).index_version == version
    assert ranking.similar_papers(paper=paper, count=3)[0] == twin


def test_build_index_command_refuses_an_empty_catalogue():
    with pytest.raises(CommandError, match="empty"):
        call_command("build_index")


def test_commands_build_the_index_and_train_readers(sample_papers_file, capsys):
    call_command("import_papers", str(sample_papers_file))
    reader = make_user()
    like(reader, list(Paper.objects.all()[:4]))

    call_command("build_index")
    call_command("train_readers", "--all")

    out, err = capsys.readouterr()
    assert "1,000 papers" in out
    assert "trained 1 reader model" in out
    # The fit is announced; the bar starts with the vectorizing and ends full.
    assert "Fitting the vocabulary and LSA on 1,000 papers" in err
    assert "vectorizing: 100%" in err
    assert "1000/1000" in err
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
