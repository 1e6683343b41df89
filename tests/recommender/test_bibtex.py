"""BibTeX in (onboarding uploads) and out (exported likes). Pure: no database.

bibtexparser 2 is also the oracle that reads our exports back."""

import tracemalloc

import bibtexparser
import pytest
from bibtexparser import middlewares
from bibtexparser.model import Entry

from recommender.bibtex import reading
from recommender.bibtex.entries import arxiv_id_of, title_of
from recommender.bibtex.latex import MAX_DEPTH, latex_to_text
from recommender.bibtex.reading import (
    MAX_BYTES,
    MAX_ENTRIES,
    MAX_EXPANDED_CHARS,
    MAX_VALUE_CHARS,
    BibEntry,
    parse_bibtex,
)
from recommender.bibtex.writing import BibRecord, to_bibtex

REALISTIC_BIB = r"""Text outside entries is a comment. Mail: me@example.org

@string{acl = "Proceedings of ACL"}
@STRING(neurips = {Advances in {Neural} Information Processing Systems})
@comment{ Old entries: @article{ghost, title = {Not a real entry}} }
@preamble{ "\newcommand{\noopsort}[1]{}" }
% @article{commented, title = {Commented out}}

@Article{smith2020,
  Title     = {Deep {Learning} for {\"U}ber   {B}ig
               Data},
  author    = "Smith, John and M{\"u}ller, Hans",
  journal   = "arXiv preprint arXiv:2001.01234",
  year      = 2020,
  month     = jan,
  booktitle = acl # " 2020",
}

@inproceedings(doe2021,
  title = "A {"quoted"} title",
  booktitle = neurips,
  eprint = {2101.00001v3},
  archivePrefix = {arXiv}
)

@misc{lee2023,
  title = {Fine},
  % note = {a field commented out},
  url = {https://arxiv.org/pdf/2301.00002v2.pdf}
}
"""


def entry(**fields: str) -> BibEntry:
    return BibEntry(key="k", entry_type="article", fields=fields, line=1)


def read_back(text: str) -> list[Entry]:
    """What another tool makes of our .bib: bibtexparser with lower-case field names."""
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.NormalizeFieldKeys()]
    )
    assert library.failed_blocks == []
    return library.entries


def test_parses_a_realistic_bib_file():
    parsed = parse_bibtex(REALISTIC_BIB)

    assert parsed.errors == []
    assert [(e.key, e.entry_type, e.line) for e in parsed.entries] == [
        ("smith2020", "article", 9),
        ("doe2021", "inproceedings", 19),
        ("lee2023", "misc", 26),
    ]
    smith, doe, lee = parsed.entries
    assert smith.fields == {
        "title": r"Deep {Learning} for {\"U}ber {B}ig Data",
        "author": r"Smith, John and M{\"u}ller, Hans",
        "journal": "arXiv preprint arXiv:2001.01234",
        "year": "2020",
        "month": "January",
        "booktitle": "Proceedings of ACL 2020",
    }
    assert doe.fields == {
        "title": 'A {"quoted"} title',
        "booktitle": "Advances in {Neural} Information Processing Systems",
        "eprint": "2101.00001v3",
        "archiveprefix": "arXiv",
    }
    assert lee.fields == {
        "title": "Fine",
        "url": "https://arxiv.org/pdf/2301.00002v2.pdf",
    }


def test_unknown_macro_is_kept_as_its_name():
    parsed = parse_bibtex("@misc{a, journal = jmlr, pages = 1--10}")

    assert parsed.entries[0].fields == {"journal": "jmlr", "pages": "1--10"}


def test_reports_a_bad_entry_by_line_and_keeps_the_others():
    text = """@misc{good1, title = {One}}

@article{smith2020,
  title = {Missing a closing brace,
  year = 2020
}

@misc{good2, title = {Two}}
"""

    parsed = parse_bibtex(text)

    assert parsed.errors == [
        "entry 2 (smith2020), line 3: it is never closed: a '}' or '\"' is missing"
    ]
    assert [e.key for e in parsed.entries] == ["good1", "good2"]


def test_an_unclosed_value_does_not_swallow_the_next_entry():
    text = """@misc{bad,
  title = {Never closed,
}
@misc{good, title = {Kept}}
"""

    parsed = parse_bibtex(text)

    assert [e.key for e in parsed.entries] == ["good"]
    assert parsed.errors == [
        "entry 1 (bad), line 1: it is never closed: a '}' or '\"' is missing"
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("\n@misc{a,\n  title {x}}", "entry 1 (a), line 2: a field has no '='"),
        ("@misc{, title = {x}}", "entry 1, line 1: it has no key"),
        (
            '@misc{a,\n title = "open}',
            "entry 1 (a), line 1: it is never closed: a '}' or '\"' is missing",
        ),
        (
            "@misc{a, title = {x} year = 1}",
            "entry 1 (a), line 1: expected ',' or '}' after field 'title'",
        ),
        (
            "@misc{a, title = {x}}\n@misc{A, title = {y}}",
            "entry 2 (A), line 2: entry 1 on line 1 has the same key",
        ),
        (
            "@misc{a title = {x}}",
            "entry 1 (a), line 1: expected ',' after the key",
        ),
        ("@misc{a, title = }", "entry 1 (a), line 1: field 'title' has no value"),
    ],
)
def test_reports_syntax_errors_with_the_entry_and_its_line(text, error):
    parsed = parse_bibtex(text)

    assert error in parsed.errors


def test_of_a_repeated_field_the_first_wins():
    parsed = parse_bibtex("@misc{a, title = {First}, Title = {Second}, title = {x}}")

    assert parsed.errors == []
    assert parsed.entries[0].fields == {"title": "First"}


def test_a_five_megabyte_file_is_parsed_whole():
    one = (
        '@article{key%d,\n  title = {A {nested} title with $x$ and \\"u},\n'
        '  author = {Smith, John and Doe, Jane},\n  journal = "arXiv preprint '
        'arXiv:2401.%05d",\n  year = 2020,\n}\n'
    )
    text = "".join(one % (i, i) for i in range(30_000))
    assert len(text) > 5_000_000

    parsed = parse_bibtex(text)
    unclosed = parse_bibtex("@misc{x, title = {" + text.replace("\n", " "))

    assert len(parsed.entries) == 30_000
    assert arxiv_id_of(parsed.entries[-1]) == "2401.29999"
    assert len(unclosed.errors) == 1


def test_an_exponential_string_file_is_reported_in_bounded_memory():
    # Each macro doubles the one before: m30 would be 2**31 characters.
    text = (
        '@string{m0 = "ab"}\n'
        + "".join(f"@string{{m{i} = m{i - 1} # m{i - 1}}}\n" for i in range(1, 31))
        + "@misc{boom, title = m30, eprint = {2401.00001}}\n"
        + "@misc{fine, title = {Kept}}\n"
    )
    assert len(text) < 1000

    tracemalloc.start()
    try:
        parsed = parse_bibtex(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert [e.key for e in parsed.entries] == ["fine"]
    assert parsed.errors == [
        f"@string 'm16', line 17: its value is longer than {MAX_VALUE_CHARS:,} "
        "characters",
        "entry 1 (boom), line 32: field 'title' uses @string 'm30', which was skipped",
    ]
    assert peak < 5_000_000


def test_macros_expanding_past_the_file_limit_skip_only_the_entries_after_it():
    big = "x" * (MAX_VALUE_CHARS - 10)
    fitting = MAX_EXPANDED_CHARS // len(big)
    text = f"@string{{big = {{{big}}}}}\n" + "".join(
        f"@misc{{e{i}, note = big}}\n" for i in range(1, fitting + 3)
    )

    parsed = parse_bibtex(text)

    assert len(parsed.entries) == fitting
    assert parsed.errors == [
        f"entry {number} (e{number}), line {number + 1}: field 'note': the file's "
        f"@string macros expand to more than {MAX_EXPANDED_CHARS:,} characters in all"
        for number in (fitting + 1, fitting + 2)
    ]


def test_a_value_longer_than_the_limit_is_reported_and_skipped():
    text = (
        "@misc{long, title = {" + "x" * (MAX_VALUE_CHARS + 1) + "}}\n"
        "@misc{fine, title = {Kept}}"
    )

    parsed = parse_bibtex(text)

    assert parsed.errors == [
        f"entry 1 (long), line 1: field 'title' is longer than {MAX_VALUE_CHARS:,} "
        "characters"
    ]
    assert [e.key for e in parsed.entries] == ["fine"]


@pytest.mark.parametrize(
    "title",
    [
        "{" * 1000 + "x" + "}" * 1000,
        "\\'{" * 1000 + "e" + "}" * 1000,
        "\\begin{x}" * 1000,
    ],
    ids=["braces", "accents", "environments"],
)
def test_nesting_past_the_limit_is_reported_and_the_rest_kept(title):
    text = f"@misc{{deep, title = {{{title}}}}}\n@misc{{fine, title = {{Kept}}}}"

    parsed = parse_bibtex(text)

    assert parsed.errors == [
        f"entry 1 (deep), line 1: field 'title' is nested more than {MAX_DEPTH} "
        "levels deep"
    ]
    assert [title_of(e) for e in parsed.entries] == ["Kept"]


def test_nesting_up_to_the_limit_is_read():
    title = "{" * (MAX_DEPTH - 1) + "{\\'e}cole" + "}" * (MAX_DEPTH - 1)

    parsed = parse_bibtex(f"@misc{{deep, title = {{{title}}}}}")

    assert parsed.errors == []
    assert title_of(parsed.entries[0]) == "école"


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ("\\'{" * 1000 + "e" + "}" * 1000, "e"),
        ("{" * 1000 + "x" + "}" * 1000, "x"),
        ("\\\\{" * 1000 + "x" + "}" * 1000, "x"),
        # Unclosed optional arguments: pylatexenc would retry them in 2**40 ways.
        ("\\cite[" * 40 + "x", "x"),
        ("Title \\footnote", "Title"),  # pylatexenc raises on this one
    ],
)
def test_latex_to_text_of_hostile_latex_keeps_the_text(latex, text):
    assert text in latex_to_text(latex)


def test_latex_to_text_reads_no_files():
    assert latex_to_text(r"\input{/etc/passwd}\include{/etc/hostname} Title") == (
        "Title"
    )


def test_titles_past_the_files_latex_budget_are_stripped_not_decoded(monkeypatch):
    monkeypatch.setattr(reading, "LATEX_BUDGET_CHARS", 20)
    text = '@misc{a, title = {M{\\"u}ller one}}\n@misc{b, title = {M{\\"u}ller two}}'

    parsed = parse_bibtex(text)

    assert [title_of(e) for e in parsed.entries] == ["Müller one", "Muller two"]


def test_entries_past_the_limit_are_reported_not_dropped():
    text = "".join(
        f"@misc{{k{i}, eprint = {{2401.{i:05d}}}}}\n" for i in range(1, MAX_ENTRIES + 3)
    )

    parsed = parse_bibtex(text)

    assert len(parsed.entries) == MAX_ENTRIES
    assert parsed.errors == [
        f"entry {number} (k{number}), line {number}: skipped, a file may hold at "
        f"most {MAX_ENTRIES:,} entries"
        for number in (MAX_ENTRIES + 1, MAX_ENTRIES + 2)
    ]


def test_a_file_over_the_size_limit_is_not_read():
    parsed = parse_bibtex("@misc{a, title = {x}}" + " " * MAX_BYTES)

    assert parsed.entries == []
    assert parsed.errors == ["the file is over 5 MB: nothing was read"]


@pytest.mark.parametrize(
    ("fields", "arxiv_id"),
    [
        ({"eprint": "2401.01234v2", "archiveprefix": "arXiv"}, "2401.01234"),
        ({"eprint": "arXiv:2401.01234"}, "2401.01234"),
        ({"eprint": "hep-th/9901001"}, "hep-th/9901001"),
        ({"eprint": "2401.01234", "eprinttype": "arxiv"}, "2401.01234"),
        ({"arxiv": "2401.01234"}, "2401.01234"),
        ({"arxivid": "1706.03762v5"}, "1706.03762"),
        ({"journal": "arXiv preprint arXiv:2401.01234"}, "2401.01234"),
        ({"journal": "ArXiv", "volume": "abs/2401.01234"}, "2401.01234"),
        ({"journal": "CoRR", "volume": "abs/1706.03762"}, "1706.03762"),
        ({"note": "arXiv:hep-th/9901001v2"}, "hep-th/9901001"),
        ({"howpublished": "arXiv 0704.0001"}, "0704.0001"),
        ({"url": "https://arxiv.org/abs/2401.01234v3"}, "2401.01234"),
        ({"url": "http://arxiv.org/pdf/2401.01234v2.pdf"}, "2401.01234"),
        ({"url": "https://arxiv.org/abs/hep-th/9901001"}, "hep-th/9901001"),
        ({"doi": "10.48550/arXiv.2401.01234"}, "2401.01234"),
        ({"doi": "https://doi.org/10.48550/ARXIV.2401.01234"}, "2401.01234"),
    ],
)
def test_arxiv_id_of_finds_the_id_wherever_exporters_put_it(fields, arxiv_id):
    assert arxiv_id_of(entry(**fields)) == arxiv_id


def test_arxiv_id_of_prefers_eprint_over_url():
    found = arxiv_id_of(
        entry(eprint="2401.00001", url="https://arxiv.org/abs/2401.00002")
    )

    assert found == "2401.00001"


def test_arxiv_id_of_ignores_eprints_of_other_archives():
    found = arxiv_id_of(entry(eprint="2401.01234", archiveprefix="HAL"))

    assert found is None


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "No id here", "year": "2401"},
        {"journal": "Nature", "volume": "2401.01234"},
        {"url": "https://example.org/abs/2401.01234"},
        {"doi": "10.1038/nature14539"},
        {"note": "arXiv:2401.012345"},
    ],
)
def test_arxiv_id_of_returns_none_without_an_arxiv_id(fields):
    assert arxiv_id_of(entry(**fields)) is None


@pytest.mark.parametrize(
    ("title", "clean"),
    [
        (r"Deep {Learning} for {\"U}ber {B}ig Data", "Deep Learning for Über Big Data"),
        (r"Erd\H{o}s, Ko\c{c} and Fran\c cois", "Erdős, Koç and François"),
        (r"na\"{\i}ve {\'E}cole Stra{\ss}e", "naïve École Straße"),
        (r"\textbf{Bold}  \emph{claims}\\ \& 50\% \_x", "Bold claims & 50% _x"),
        ("Sorting in\n   {$O(n \\log n)$}~time", "Sorting in $O(n \\log n)$ time"),
        (r"The {\LaTeX} Companion", "The LaTeX Companion"),
        # As the catalogue's titles have them, so that they still match.
        (r"B --> K in ``quoted'' R&D \emph{x}", "B --> K in ``quoted'' R&D x"),
    ],
)
def test_title_of_gives_plain_text(title, clean):
    assert title_of(entry(title=title)) == clean


def test_title_of_is_none_without_a_title():
    assert title_of(entry(title="{ }")) is None
    assert title_of(entry(journal="x")) is None


def record(
    arxiv_id: str,
    title: str,
    *,
    authors: list[str] | None = None,
    year: int | None = 2024,
    primary_class: str | None = "cs.LG",
) -> BibRecord:
    return BibRecord(
        arxiv_id=arxiv_id,
        title=title,
        authors=["Ada Lovelace"] if authors is None else authors,
        year=year,
        primary_class=primary_class,
    )


HOSTILE = [
    # (title as arXiv has it, as written in the .bib)
    (
        "Fast & Furious: 100% of #1 in_place",
        r"Fast \& Furious: 100\% of \#1 in\_place",
    ),
    (
        r"Sorting in $O(n \log n)$ with $\mathcal{O}(1)$ extra, $x_i^2$",
        r"Sorting in $O(n \log n)$ with $\mathcal{O}(1)$ extra, $x_i^2$",
    ),
    ("Unbalanced { brace", r"Unbalanced \textbraceleft{} brace"),
    ("Stray } brace", r"Stray \textbraceright{} brace"),
    ("}{@misc{evil,", r"\textbraceright{}\textbraceleft{}@misc\textbraceleft{}evil,"),
    ("Costs $5", r"Costs \$5"),
    ("Ends in a backslash\\", r"Ends in a backslash\textbackslash{}"),
]


def test_to_bibtex_output_reads_back_with_bibtexparser():
    records = [
        record(f"2401.{index:05d}", title) for index, (title, _) in enumerate(HOSTILE)
    ]
    records.append(
        BibRecord(
            arxiv_id="hep-th/9901001",
            title="Old style",
            authors=["Edward Witten", "Juan Maldacena", "R&D and Friends"],
            year=1999,
            primary_class="hep-th",
        )
    )

    entries = read_back(to_bibtex(records))

    assert len(entries) == len(records)
    for parsed, written in zip(entries, records, strict=True):
        assert parsed.entry_type == "misc"
        assert parsed["eprint"] == written.arxiv_id
        assert parsed["archiveprefix"] == "arXiv"
        assert parsed["url"] == f"https://arxiv.org/abs/{written.arxiv_id}"
        assert parsed["year"] == str(written.year)
        assert parsed["primaryclass"] == written.primary_class
    assert [e["title"] for e in entries[:-1]] == [bib for _, bib in HOSTILE]
    assert entries[0]["author"] == "Ada Lovelace"
    # A name containing " and " is braced, so BibTeX still counts three authors.
    assert entries[-1]["author"] == (
        r"Edward Witten and Juan Maldacena and {R\&D and Friends}"
    )


@pytest.mark.parametrize(("title", "written"), HOSTILE)
def test_escaped_titles_read_back_as_the_original_text(title, written):
    assert latex_to_text(written) == title


def test_hostile_title_cannot_break_out_of_its_entry():
    records = [
        record("2401.00001", "}{@misc{evil, title = {pwned}}"),
        record("2401.00002", "}}}}\n@misc{evil2,\n"),
        record("2401.00003", "Innocent"),
    ]

    entries = read_back(to_bibtex(records))

    assert [e["eprint"] for e in entries] == ["2401.00001", "2401.00002", "2401.00003"]
    assert all(not e.key.startswith("evil") for e in entries)


def test_to_bibtex_omits_unknown_year_and_primary_class():
    text = to_bibtex([record("2401.01234", "Title", year=None, primary_class=None)])

    fields = read_back(text)[0]

    assert "year" not in fields
    assert "primaryclass" not in fields
    assert "year" not in text
    assert "primaryClass" not in text


def test_to_bibtex_keys_are_unique_and_readable():
    records = [
        record("2401.00001", "Attention Is All You Need", authors=["Ashish Vaswani"]),
        record("2401.00002", "Attention in transit", authors=["A. Vaswani"]),
        record("2401.00003", "On the Müller Loss", authors=["Jürgen Müller"]),
        record("2401.00004", "A title", authors=["Vaswani, Ashish"], year=None),
        record("2401.00005", "Nameless", authors=["李伟"]),
        record("hep-th/9901001", "Nameless", authors=[]),
    ]

    keys = [e.key for e in read_back(to_bibtex(records))]

    assert keys == [
        "vaswani2024attention",
        "vaswani2024attentiona",
        "muller2024muller",
        "vaswanititle",
        "arxiv_2401_00005",
        "arxiv_hep_th_9901001",
    ]


def test_to_bibtex_of_nothing_is_empty():
    assert to_bibtex([]) == ""


def test_round_trip_through_our_own_parser_keeps_ids_and_titles():
    records = [
        record(f"2401.{index:05d}", title) for index, (title, _) in enumerate(HOSTILE)
    ]
    records.append(record("hep-th/9901001v2", "Old style"))

    parsed = parse_bibtex(to_bibtex(records))

    assert parsed.errors == []
    assert [arxiv_id_of(e) for e in parsed.entries] == [
        *(r.arxiv_id for r in records[:-1]),
        "hep-th/9901001",
    ]
    assert [title_of(e) for e in parsed.entries[:-1]] == [t for t, _ in HOSTILE]
