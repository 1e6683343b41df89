"""Saved responses: read a file of any of the three sources, told by its content."""

import re

from papers.parsers.atom import parse_atom
from papers.parsers.documents import sniffed
from papers.parsers.hf import parse_hf_daily
from papers.parsers.oai import parse_oai
from papers.records import PaperRecord


def parse_saved(data: bytes) -> tuple[list[PaperRecord], list[str]]:
    """The records and errors of a saved response of any of the three sources
    (an Atom feed, an OAI-PMH page, a daily-papers JSON), told by its content."""
    head = sniffed(data)[:4096].lstrip()
    if head.startswith((b"[", b"{")):
        daily = parse_hf_daily(data)
        return daily.records, daily.errors
    if re.search(rb"<(?:\w+:)?OAI-PMH[\s>]", head):
        harvest = parse_oai(data)
        return harvest.records, harvest.errors
    feed = parse_atom(data)
    return feed.records, feed.errors
