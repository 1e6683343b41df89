"""A comment's plain text as HTML: paragraphs at blank lines, line breaks
kept, addresses made links (Django's urlize) and maths rendered as in
abstracts (papers.maths). Everything else is escaped: readers write no HTML."""

import re

from django.utils.html import escape, urlize

from papers import maths

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_SPACES = re.compile(r"(\s+)")


def render_comment(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = (
        "<br>".join(_line(line) for line in paragraph.split("\n"))
        for paragraph in _PARAGRAPH_BREAK.split(text)
    )
    return "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs if paragraph)


def _line(line: str) -> str:
    # Maths is rendered a line at a time between links, so a formula never
    # swallows an address and a <br> never lands inside MathML.
    parts: list[str] = []
    prose: list[str] = []
    for piece in _SPACES.split(line):
        link = _link(piece)
        if link is None:
            prose.append(piece)
            continue
        parts += [maths.render("".join(prose)), link]
        prose = []
    parts.append(maths.render("".join(prose)))
    return "".join(parts)


def _link(word: str) -> str | None:
    """`word` as a link when urlize takes it for an address (trailing
    punctuation left outside), else None."""
    if "." not in word and "@" not in word:
        return None
    linked = urlize(word, nofollow=True, autoescape=True)
    return None if linked == escape(word) else linked
