"""What a BibTeX entry names: its arXiv id, wherever exporters put it, and
its title as plain text."""

from papers import arxiv_ids
from recommender.bibtex.latex import latex_to_text
from recommender.bibtex.reading import BibEntry


def arxiv_id_of(entry: BibEntry) -> str | None:
    """The bare arXiv id an entry names, looking where exporters put it: eprint,
    an arxiv/arxivid field, "arXiv preprint arXiv:..." in journal/note/
    howpublished (or DBLP's CoRR abs/...), an arxiv.org url, an arXiv DOI."""
    fields = entry.fields
    archive = fields.get("archiveprefix") or fields.get("eprinttype")
    if archive is None or archive.strip().lower() == "arxiv":
        eprint = fields.get("eprint", "")
        if found := arxiv_ids.normalise(eprint) or arxiv_ids.find_url(eprint):
            return found
    for name in ("arxiv", "arxivid"):
        value = fields.get(name, "")
        if found := arxiv_ids.normalise(value) or arxiv_ids.find_prefixed(value):
            return found
    for name in ("journal", "note", "howpublished"):
        if found := arxiv_ids.find_prefixed(fields.get(name, "")):
            return found
    # DBLP and Semantic Scholar: journal = {CoRR}, volume = {abs/2401.01234}.
    journal = fields.get("journal", "").strip().lower()
    volume = fields.get("volume", "").strip()
    if (
        journal in ("corr", "arxiv")
        and volume.lower().startswith("abs/")
        and (found := arxiv_ids.normalise(volume[4:]))
    ):
        return found
    return arxiv_ids.find_url(fields.get("url", "")) or arxiv_ids.find_doi(
        fields.get("doi", "")
    )


def title_of(entry: BibEntry) -> str | None:
    """The entry's title as plain text (see `latex_to_text`), or None."""
    return latex_to_text(entry.fields.get("title", ""), budget=entry.budget) or None
