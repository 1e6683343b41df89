"""arXiv ids in every form a reader or a source writes them."""

import datetime as dt

import pytest

from papers import arxiv_ids


@pytest.mark.parametrize(
    ("written", "bare"),
    [
        ("2501.01234", "2501.01234"),
        ("2501.01234v2", "2501.01234"),
        ("0704.0001", "0704.0001"),
        ("arXiv:2501.01234", "2501.01234"),
        ("ARXIV: 2501.01234v12", "2501.01234"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("HEP-TH/9901001v3", "hep-th/9901001"),
        ("math.ag/0101001", "math.AG/0101001"),
        ("arXiv:math.AG/0101001", "math.AG/0101001"),
        ("https://arxiv.org/abs/2608.00012", "2608.00012"),
        ("http://arxiv.org/abs/2608.00012v1", "2608.00012"),
        ("arxiv.org/abs/2608.00012", "2608.00012"),
        ("https://www.arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001"),
        ("https://arxiv.org/pdf/2608.00012", "2608.00012"),
        ("https://arxiv.org/pdf/2608.00012v3.pdf", "2608.00012"),
        ("https://arxiv.org/pdf/2608.00012.pdf", "2608.00012"),
        ("http://export.arxiv.org/abs/2608.00012", "2608.00012"),
        ("https://arxiv.org/abs/2608.00012/", "2608.00012"),
        ("10.48550/arXiv.2501.01234", "2501.01234"),
        ("https://doi.org/10.48550/ARXIV.2501.01234", "2501.01234"),
        ("  2501.01234  ", "2501.01234"),
    ],
)
def test_every_way_of_writing_an_id_gives_the_bare_id(written, bare):
    assert arxiv_ids.normalise(written) == bare


@pytest.mark.parametrize(
    "written",
    [
        "",
        "attention",
        "2501.123",
        "2501.123456",
        "https://example.org/abs/2501.01234",
        "https://arxiv.org/list/cs.LG/recent",
        "2501.01234 and 2501.01235",
        "10.1038/nature14539",
        "arXiv:" + "1" * 500,
    ],
)
def test_what_is_not_one_reference_to_a_paper_is_refused(written):
    assert arxiv_ids.normalise(written) is None


def test_the_version_is_read_apart():
    assert arxiv_ids.version_of("arXiv:2501.01234v3") == 3
    assert arxiv_ids.version_of("2501.01234") is None


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("arXiv preprint arXiv:2401.01234", "2401.01234"),
        ("see arXiv:hep-th/9901001v2 for details", "hep-th/9901001"),
        ("arXiv 0704.0001", "0704.0001"),
        ("at https://arxiv.org/abs/2401.01234v3.", "2401.01234"),
        ("doi 10.48550/arXiv.2401.01234", "2401.01234"),
        ("arXiv:2401.012345", None),
        ("Nature 2401.01234", None),
    ],
)
def test_ids_are_found_in_free_text_only_where_named_as_arxiv_ones(text, bare):
    assert arxiv_ids.find_prefixed(text) == bare


def test_a_long_run_of_letters_is_searched_quickly():
    assert arxiv_ids.find_prefixed("a" * 200_000 + " arXiv:2401.01234") == "2401.01234"


@pytest.mark.parametrize(
    ("bare", "month"),
    [
        ("2501.01234", dt.date(2025, 1, 1)),
        ("0704.0001", dt.date(2007, 4, 1)),
        ("hep-th/9901001", dt.date(1999, 1, 1)),
        ("math.AG/0112001", dt.date(2001, 12, 1)),
        ("2513.00001", None),
    ],
)
def test_an_id_spells_the_month_it_was_submitted_in(bare, month):
    assert arxiv_ids.month_of(bare) == month
