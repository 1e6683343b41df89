"""The catalogue's search engine: a tantivy index of titles, abstracts and
authors, ranked by BM25 with the title weighted above the abstract above the
authors. Pure: no Django; papers/search.py keeps it in step with the database.

Why tantivy rather than the databases' own full-text search (measured on the
whole catalogue, bench/search.py): PostgreSQL ranks with `ts_rank`, which
reads every match's vector, so ranking all matches of a common word took
0.2-0.5 s ("attention": 9,756 matches; "learning": 30,972) and the old cut to
the newest 500 matches ranked the wrong papers; SQLite had no ranking at all.
tantivy scores BM25 from its postings and keeps only the best (top-k), the
same engine and the same order on both databases, with phrase queries and
fuzzy terms (typos) built in.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import tantivy
from rapidfuzz import process
from rapidfuzz.distance import OSA

# Title above abstract above authors (BM25 scores per field, then weighted).
FIELD_BOOSTS = {"title": 3.0, "abstract": 1.0, "authors": 0.7}
TEXT_FIELDS = list(FIELD_BOOSTS)
# The analyser of the ranked fields: words, lower case, English stop words
# out, stemmed ("networks" finds "network").
STEMMED = "paperfeed_en"
# The vocabulary of "Did you mean": title and author words as written.
WORDS = "words"
# Each author's whole name in lower case, for an author's papers.
AUTHOR = "author"
# Raised with any change of the fields or their analysis: the index of
# another version is left alone (papers.search builds this one beside it).
SCHEMA_VERSION = 2
# A query with fewer exact matches than this is run again allowing one edit
# per word (a typo): the exact matches stay first.
FEW_MATCHES = 3
MAX_WORDS = 20
# Writer memory: tantivy's floor is 15 MB a thread; one thread keeps the
# writer's footprint small beside a web process.
WRITER_HEAP = 50_000_000
TOKEN_RE = re.compile(r'"[^"]*"|(?<![^\W_])-?[^\W_]+', re.UNICODE)


class Doc(NamedTuple):
    """What the index holds of a paper."""

    pk: int
    title: str
    abstract: str
    authors: list[str]
    announced: int  # the listing day, as an ordinal: "newest first"
    updated: int  # the row's last change, in microseconds: keeping in step


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("pk", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=STEMMED)
    builder.add_text_field(WORDS, tokenizer_name="default", index_option="basic")
    builder.add_text_field(AUTHOR, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("announced", fast=True)
    builder.add_integer_field("updated", fast=True, indexed=True)
    return builder.build()


SCHEMA = _schema()


def open_index(path: Path) -> tantivy.Index:
    """The index in `path`, created empty if there is none."""
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(SCHEMA, path=str(path), reuse=True)
    analyser = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )
    index.register_tokenizer(STEMMED, analyser)
    return index


def writer(index: tantivy.Index) -> tantivy.IndexWriter:
    """The index's one writer; ValueError when another process holds it."""
    return index.writer(heap_size=WRITER_HEAP, num_threads=1)


def add(writer: tantivy.IndexWriter, docs: Iterable[Doc]) -> int:
    """Add (or replace) `docs`; the caller commits. Returns how many."""
    added = 0
    for doc in docs:
        writer.delete_documents_by_term("pk", doc.pk)
        authors = " ".join(doc.authors)
        document = tantivy.Document()
        document.add_unsigned("pk", doc.pk)
        document.add_text("title", doc.title)
        document.add_text("abstract", doc.abstract)
        document.add_text("authors", authors)
        document.add_text(WORDS, f"{doc.title} {authors}")
        for name in doc.authors:
            # Stripped as an author page's address is read.
            document.add_text(AUTHOR, name.strip().lower())
        document.add_integer("announced", doc.announced)
        document.add_integer("updated", doc.updated)
        writer.add_document(document)
        added += 1
    return added


def _pks(
    searcher: tantivy.Searcher, hits: "list[tuple[Any, tantivy.DocAddress]]"
) -> list[int]:
    # From the pk column: reading each stored document cost a search its time.
    values = searcher.fast_field_values("pk", [address for _key, address in hits])
    return [int(v) for v in values if v is not None]


class State(NamedTuple):
    """What the index holds: how many papers, and the newest change."""

    papers: int
    updated: int | None


def holds_changes_since(index: tantivy.Index, updated: int) -> bool:
    """Whether the index holds a paper changed at `updated` (microseconds)
    or later: a look-up in the `updated` column's index, not a scan."""
    query = tantivy.Query.range_query(
        SCHEMA, "updated", tantivy.FieldType.Integer, lower_bound=updated
    )
    return bool(index.searcher().search(query, limit=1, count=False).hits)


def state(index: tantivy.Index) -> State:
    searcher = index.searcher()
    if not searcher.num_docs:
        return State(0, None)
    newest = searcher.search(
        tantivy.Query.all_query(), limit=1, order_by_field="updated", count=False
    ).hits
    return State(searcher.num_docs, int(newest[0][0]) if newest else None)


@dataclass(frozen=True)
class Parsed:
    """A query as the engine reads it: phrases in double quotes, words, and
    words to exclude (-word); everything else (operators, brackets,
    punctuation) is a separator."""

    words: list[str]
    phrases: list[str]
    excluded: list[str]

    def text(self) -> str:
        """The engine's query text: only letters, digits, balanced quotes and
        leading minus signs, so that the query language has nothing to
        misread. Exclusions alone match nothing."""
        if not (self.words or self.phrases):
            return ""
        return " ".join(
            [f'"{p}"' for p in self.phrases]
            + self.words
            + [f"-{w}" for w in self.excluded]
        )


def parse(query: str) -> Parsed:
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    for token in TOKEN_RE.findall(query):
        if token.startswith('"'):
            inside = " ".join(re.findall(r"[^\W_]+", token))
            if " " in inside:
                phrases.append(inside)
            elif inside:
                words.append(inside)
        elif token.startswith("-"):
            excluded.append(token[1:])
        elif token.lower() not in ("and", "or", "not"):
            words.append(token)
    return Parsed(words[:MAX_WORDS], phrases[:MAX_WORDS], excluded[:MAX_WORDS])


class Found(NamedTuple):
    ids: list[int]  # best first
    exact: int  # of those, matching every word as written; the rest by typo
    matches: int  # papers matching every word, of which `ids` holds the first
    suggestion: str | None  # "Did you mean", when a word is not in the catalogue


def search(
    index: tantivy.Index, query: str, *, limit: int, newest: bool = False
) -> Found:
    """The best `limit` papers for `query` (or the newest matches, when
    `newest`): every word (stemmed) must match somewhere; with fewer than
    FEW_MATCHES such papers, papers matching with one typo per word follow."""
    parsed = parse(query)
    if not parsed.text():
        return Found([], 0, 0, None)
    searcher = index.searcher()
    ids, matches = _run(
        index, searcher, parsed.text(), limit, newest=newest, fuzzy=False
    )
    exact = len(ids)
    suggestion = None
    if exact < FEW_MATCHES and parsed.words:
        # The spelling the catalogue knows first (ranked by BM25), then any
        # paper one edit away per word (fuzzy matches all score alike).
        suggestion = _suggest(searcher, parsed)
        texts = [parse(suggestion).text()] if suggestion else []
        for text, fuzzy in [*((t, False) for t in texts), (parsed.text(), True)]:
            if fuzzy and len(ids) >= FEW_MATCHES:
                break
            more, _ = _run(index, searcher, text, limit, newest=newest, fuzzy=fuzzy)
            seen = set(ids)
            ids += [pk for pk in more if pk not in seen][: limit - len(ids)]
    return Found(ids, exact, matches, suggestion)


def _run(
    index: tantivy.Index,
    searcher: tantivy.Searcher,
    text: str,
    limit: int,
    *,
    newest: bool,
    fuzzy: bool,
) -> tuple[list[int], int]:
    """The first `limit` matches' ids, and how many papers match."""
    fuzzy_fields = {name: (False, 1, True) for name in TEXT_FIELDS} if fuzzy else None
    query, _errors = index.parse_query_lenient(
        text,
        TEXT_FIELDS,
        field_boosts=FIELD_BOOSTS,
        fuzzy_fields=fuzzy_fields,
        conjunction_by_default=True,
    )
    found = searcher.search(
        query, limit=limit, count=True, order_by_field="announced" if newest else None
    )
    ids = _pks(searcher, found.hits)
    # The stubs of tantivy 0.27 leave out the count that `count=True` asks for.
    matches: int | None = found.count  # type: ignore[attr-defined]
    return ids, matches or 0


def by_author(index: tantivy.Index, name: str, *, limit: int) -> list[int]:
    """The papers with `name` among their authors (as printed, any case),
    newest first."""
    query = tantivy.Query.term_query(SCHEMA, AUTHOR, name.lower())
    searcher = index.searcher()
    hits = searcher.search(
        query, limit=limit, count=False, order_by_field="announced"
    ).hits
    return _pks(searcher, hits)


def with_author_words(index: tantivy.Index, query: str, *, limit: int) -> list[int]:
    """Papers with every word of `query` in their authors' names: where the
    names "Hinton" may mean are read."""
    words = parse(query).words
    if not words:
        return []
    text = " ".join(f"authors:{w.lower()}" for w in words)
    found, _errors = index.parse_query_lenient(
        text, ["authors"], conjunction_by_default=True
    )
    searcher = index.searcher()
    return _pks(searcher, searcher.search(found, limit=limit, count=False).hits)


def _suggest(searcher: tantivy.Searcher, parsed: Parsed) -> str | None:
    """The query with each word the catalogue does not know replaced by the
    closest word it does (one or two edits, the commonest of equals), or
    None when every word is known or none has a close one."""
    changed = False
    words = []
    for word in parsed.words:
        lower = word.lower()
        if searcher.doc_freq(WORDS, lower) or not lower.isalpha() or len(lower) < 4:
            words.append(word)
            continue
        near = _nearest(searcher, lower)
        changed = changed or near is not None
        words.append(near or word)
    if not changed:
        return None
    return " ".join(
        [f'"{p}"' for p in parsed.phrases] + words + [f"-{w}" for w in parsed.excluded]
    )


def _nearest(searcher: tantivy.Searcher, word: str) -> str | None:
    # Candidates share the first two letters, or would after a swap of the
    # first two or of the second and third: every swap of neighbours is
    # covered, and the term dictionary is read for a few hundred words rather
    # than the thousands of a first letter (11 ms for "t").
    prefixes = {word[:2], word[1] + word[0], word[0] + word[2]}
    candidates: dict[str, int] = {}
    for prefix in prefixes:
        candidates.update(searcher.terms_with_prefix(WORDS, prefix))
    close = process.extract(
        word,
        list(candidates),
        scorer=OSA.distance,
        score_cutoff=1 if len(word) < 7 else 2,
        limit=20,
    )
    if not close:
        return None
    best = min(close, key=lambda m: (m[1], -candidates[m[0]]))
    return str(best[0])
