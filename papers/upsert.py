"""One batch of paper records against what is stored: which are new, which
changed and how, and the writes that make the database say the same, in one
transaction of `papers.ingest.upsert_papers`. Only rows that differ are
written, so a re-import writes nothing.
"""

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from papers.bulk_copy import copy_links, copy_papers
from papers.models import Paper, PaperTopic
from papers.records import LinkRow, ListingDay, NewPaper, PaperRecord, listing_day

type _Links = list[tuple[int, int]]  # (position, topic id), by position


@dataclass
class UpsertResult:
    """What an upsert did; `unknown_categories` counts papers per unknown code."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    unknown_categories: Counter[str] = field(default_factory=Counter)

    @property
    def papers(self) -> int:
        return self.imported + self.updated + self.unchanged

    def add(self, other: "UpsertResult") -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.unknown_categories.update(other.unknown_categories)


class _Fields(NamedTuple):
    """The compared fields of a paper: as stored, or as a record leaves them."""

    title: str
    abstract: str
    authors: list[str]
    published_on: dt.date | None
    announced_on: dt.date
    dated_by_id: bool
    revised_on: dt.date | None
    upvotes: int
    links: _Links


class _Stored(NamedTuple):
    """An existing paper, read with the rest of its batch in two queries."""

    pk: int
    fields: _Fields


@dataclass
class _Changes:
    """What one batch writes, worked out before the first write."""

    new: list[NewPaper] = field(default_factory=list)
    updated: list[Paper] = field(default_factory=list)
    relink: dict[int, _Links] = field(default_factory=dict)  # paper pk -> new links
    # New announced_on -> pks of the papers that move to it but keep their links.
    moved: dict[dt.date, list[int]] = field(default_factory=dict)
    unchanged: int = 0
    unknown_categories: Counter[str] = field(default_factory=Counter)

    def add_update(self, old: _Stored, fields: _Fields, now: dt.datetime) -> None:
        """A changed paper: its row to update; its links to rewrite, or to move
        to its new listing day."""
        self.updated.append(
            Paper(
                pk=old.pk,
                title=fields.title,
                abstract=fields.abstract,
                authors=fields.authors,
                published_on=fields.published_on,
                announced_on=fields.announced_on,
                dated_by_id=fields.dated_by_id,
                revised_on=fields.revised_on,
                upvotes=fields.upvotes,
                updated_at=now,
            )
        )
        if fields.links != old.fields.links:
            self.relink[old.pk] = fields.links
        elif fields.announced_on != old.fields.announced_on:
            self.moved.setdefault(fields.announced_on, []).append(old.pk)


def upsert_batch(
    batch: Sequence[PaperRecord], *, topic_ids: Mapping[str, int]
) -> UpsertResult:
    stored = _stored_papers([record.arxiv_id for record in batch])
    changes = _changes(batch, stored, topic_ids=topic_ids)
    _write(changes)
    return UpsertResult(
        imported=len(changes.new),
        updated=len(changes.updated),
        unchanged=changes.unchanged,
        unknown_categories=changes.unknown_categories,
    )


def _changes(
    batch: Sequence[PaperRecord],
    stored: Mapping[str, _Stored],
    *,
    topic_ids: Mapping[str, int],
) -> _Changes:
    """The new papers, the changed ones and the unchanged count of `batch`."""
    changes = _Changes()
    now = timezone.now()
    for record in batch:
        links = _topic_links(record.categories, topic_ids, changes.unknown_categories)
        listed = listing_day(record)
        old = stored.get(record.arxiv_id)
        if old is None:
            changes.new.append(NewPaper(record, listed.day, listed.by_id, links))
            continue
        fields = _merged(record, old.fields, listed=listed, links=links)
        if fields == old.fields:
            changes.unchanged += 1
        else:
            changes.add_update(old, fields, now)
    return changes


def _topic_links(
    categories: Sequence[str], topic_ids: Mapping[str, int], unknown: Counter[str]
) -> _Links:
    """The links to the known codes' topics; unknown codes are counted in `unknown`.

    Positions index the source's category list, so position 0 is always
    arXiv's primary category: a paper whose primary code is unknown (one
    outside the taxonomy) has no primary topic rather than a cross-list
    promoted to primary.
    """
    links: _Links = []
    for position, code in enumerate(categories):
        topic_id = topic_ids.get(code)
        if topic_id is None:
            unknown[code] += 1
        else:
            links.append((position, topic_id))
    return links


def _merged(
    record: PaperRecord, stored: _Fields, *, listed: ListingDay, links: _Links
) -> _Fields:
    """The fields of a stored paper once `record` (listed on `listed`, with
    `links`) is applied, by the rules of `upsert_papers`."""
    if _is_older_copy(record, stored):
        # arXiv's newer text stays.
        title, abstract, authors = stored.title, stored.abstract, stored.authors
        links, revised_on = stored.links, stored.revised_on
    else:
        title, abstract, authors = record.title, record.abstract, list(record.authors)
        revised_on = record.revised_on or stored.revised_on
        if not record.categories:
            links = stored.links
    published_on = record.published_on or stored.published_on
    # The earliest real listing day; a day read off the id only stands in
    # until a source dates the paper.
    if listed.by_id == stored.dated_by_id:
        announced_on, dated_by_id = min(listed.day, stored.announced_on), listed.by_id
    elif stored.dated_by_id:
        announced_on, dated_by_id = listed.day, False
    else:
        announced_on, dated_by_id = stored.announced_on, False
    upvotes = stored.upvotes if record.upvotes is None else record.upvotes
    # Positional, in field order: keywords would double what this line costs,
    # for every record of a re-import.
    return _Fields(
        title,
        abstract,
        authors,
        published_on,
        announced_on,
        dated_by_id,
        revised_on,
        upvotes,
        links,
    )


def _is_older_copy(record: PaperRecord, stored: _Fields) -> bool:
    """Whether `record` is an older version than the stored one, or a copy that
    does not say which version it is (a daily list, a dump) of a paper stored
    with its version's day."""
    return stored.revised_on is not None and (
        record.revised_on is None or record.revised_on < stored.revised_on
    )


def _write(changes: _Changes) -> None:
    """Papers first, then all the links the batch writes, in one insert."""
    link_rows: list[LinkRow] = []
    if changes.new:
        link_rows += _insert_papers(changes.new)
    if changes.updated:
        _update_papers(changes.updated)
    if changes.relink:
        link_rows += _replace_links(changes.relink, changes.updated)
    # Topic pages sort by the copy of the listing day kept on each link.
    for day, pks in changes.moved.items():
        PaperTopic.objects.filter(paper_id__in=pks).update(announced_on=day)
    if link_rows:
        insert_links = (
            copy_links if connection.vendor == "postgresql" else _create_links
        )
        insert_links(link_rows)


def _insert_papers(papers: list[NewPaper]) -> list[LinkRow]:
    """Insert new papers; the rows of their links, still to be written."""
    insert = copy_papers if connection.vendor == "postgresql" else _create_papers
    pks = insert(papers)
    return [
        (pk, topic_id, position, paper.announced_on)
        for pk, paper in zip(pks, papers, strict=True)
        for position, topic_id in paper.links
    ]


def _replace_links(relink: Mapping[int, _Links], updated: list[Paper]) -> list[LinkRow]:
    """Delete the links of the papers in `relink`; the rows of their new ones,
    still to be written."""
    PaperTopic.objects.filter(paper_id__in=relink).delete()
    announced = {paper.pk: paper.announced_on for paper in updated}
    return [
        (pk, topic_id, position, announced[pk])
        for pk, links in relink.items()
        for position, topic_id in links
    ]


_UPDATED_FIELDS = (
    "title",
    "abstract",
    "authors",
    "published_on",
    "announced_on",
    "dated_by_id",
    "revised_on",
    "upvotes",
    "updated_at",
)


def _update_papers(papers: list[Paper]) -> None:
    """One parametrised UPDATE per paper, sent with executemany.

    bulk_update would build a CASE expression over the whole batch for every
    field: its Python cost alone held updates to a few hundred papers a second.
    """
    quote = connection.ops.quote_name
    fields = [
        field for field in Paper._meta.concrete_fields if field.name in _UPDATED_FIELDS
    ]
    # Column names are the field names: none of the model's fields renames them.
    assignments = ", ".join(f"{quote(field.attname)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(Paper._meta.db_table)} SET {assignments} "  # noqa: S608
        "WHERE id = %s"
    )
    rows = [
        [
            field.get_db_prep_save(getattr(paper, field.attname), connection)
            for field in fields
        ]
        + [paper.pk]
        for paper in papers
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _create_papers(papers: list[NewPaper]) -> list[int]:
    """Insert with the ORM; the primary keys come back in `papers`' order."""
    created = Paper.objects.bulk_create(
        Paper(
            arxiv_id=paper.record.arxiv_id,
            title=paper.record.title,
            abstract=paper.record.abstract,
            authors=list(paper.record.authors),
            published_on=paper.record.published_on,
            announced_on=paper.announced_on,
            dated_by_id=paper.dated_by_id,
            revised_on=paper.record.revised_on,
            upvotes=paper.record.upvotes or 0,
            source=paper.record.source,
        )
        for paper in papers
    )
    return [paper.pk for paper in created]


def _create_links(rows: list[LinkRow]) -> None:
    PaperTopic.objects.bulk_create(
        PaperTopic(
            paper_id=paper_id,
            topic_id=topic_id,
            position=position,
            announced_on=announced_on,
        )
        for paper_id, topic_id, position, announced_on in rows
    )


def _stored_papers(arxiv_ids: list[str]) -> dict[str, _Stored]:
    """The batch's existing papers by arXiv id, with their links: two queries."""
    # The columns of _Fields, in its order (its links are read apart).
    columns = _Fields._fields[:-1]
    rows = Paper.objects.filter(arxiv_id__in=arxiv_ids).values_list(
        "pk", "arxiv_id", *columns
    )
    papers = list(rows)
    if not papers:
        return {}
    links: dict[int, _Links] = {row[0]: [] for row in papers}
    link_rows = (
        PaperTopic.objects.filter(paper_id__in=list(links))
        .order_by("paper_id", "position")
        .values_list("paper_id", "position", "topic_id")
    )
    for paper_id, position, topic_id in link_rows:
        links[paper_id].append((position, topic_id))
    return {
        arxiv_id: _Stored(pk, _Fields._make([*values, links[pk]]))
        for pk, arxiv_id, *values in papers
    }
