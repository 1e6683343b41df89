"""Liked papers as BibTeX entries (@misc with arXiv's eprint fields), keys
readable and unique, titles escaped so that every tool reads them back."""

import itertools
import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import (
    Entry,
    Field,
)

from recommender.bibtex.latex import strip_latex


@dataclass(frozen=True)
class BibRecord:
    arxiv_id: str
    title: str
    authors: list[str]
    year: int | None
    primary_class: str | None
    month: int | None = None


# TeX primitives and LaTeX commands that read or write files, run programs or
# redefine things; a title from arXiv has no business using them.
_DANGEROUS = frozenset([
    "input", "include", "includeonly", "write", "immediate", "openin", "openout",
    "read", "readline", "closein", "closeout", "newwrite", "newread", "def",
    "edef", "gdef", "xdef", "let", "futurelet", "catcode", "csname", "endcsname",
    "expandafter", "newcommand", "renewcommand", "providecommand", "usepackage",
    "documentclass", "special", "directlua", "luaexec", "shellescape", "write18",
    "jobname", "makeatletter", "makeatother",
])  # fmt: skip
# A command or escaped character, math delimiters, a brace, or a run of text.
_TOKEN_RE = re.compile(r"\\(?:([A-Za-z]+)|(.))?|\$\$?|[{}]|[^\\${}]+", re.DOTALL)
_ESCAPED_IN_MATH = str.maketrans({"&": "\\&", "%": "\\%", "#": "\\#"})
_ESCAPED_IN_TEXT = str.maketrans(
    {"&": "\\&", "%": "\\%", "#": "\\#", "_": "\\_", "^": "\\textasciicircum{}"}
)
_TEXT, _OPEN, _CLOSE, _ESCAPED_OPEN, _ESCAPED_CLOSE, _DOLLAR, _BACKSLASH = range(7)
_LITERAL_BRACE = {
    # (brace, in math) -> a command for the literal brace, with balanced braces.
    ("{", False): "\\textbraceleft{}",
    ("}", False): "\\textbraceright{}",
    ("{", True): "\\lbrace{}",
    ("}", True): "\\rbrace{}",
}


def _tokens(value: str) -> list[tuple[int, str]]:
    """Split a value into (kind, text) tokens; a backslash and what it escapes
    stay together, so `\\&` is never escaped twice and `\\}` is one token;
    plain text comes in runs."""
    tokens: list[tuple[int, str]] = []
    for match in _TOKEN_RE.finditer(value):
        text, word, escaped = match.group(), match.group(1), match.group(2)
        if word is not None and word.lower() in _DANGEROUS:
            tokens += [(_BACKSLASH, "\\"), (_TEXT, word)]
        elif text == "\\":  # a trailing backslash
            tokens.append((_BACKSLASH, text))
        elif escaped is not None:
            tokens.append(
                ({"{": _ESCAPED_OPEN, "}": _ESCAPED_CLOSE}.get(escaped, _TEXT), text)
            )
        elif text[0] == "$":
            tokens.append((_DOLLAR, text))
        else:
            tokens.append(({"{": _OPEN, "}": _CLOSE}.get(text, _TEXT), text))
    return tokens


def _escape(value: str) -> str:
    """`value` as the inside of a braced BibTeX value that LaTeX can typeset.

    Paired `$...$` math is kept as written; an unpaired `$` becomes `\\$`.
    & % # are escaped everywhere, _ and ^ outside math. Braces are matched
    separately in the text and in each piece of math (and escaped braces among
    themselves); a brace without a partner becomes a command for a literal
    brace, so the value's braces always balance and it cannot end the field or
    open an entry. A trailing backslash or one starting a file- or
    definition-handling command is written as a literal backslash.

    (pylatexenc's `unicode_to_latex` would escape the math and the accents
    arXiv titles already write in LaTeX, so it does not fit here.)
    """
    tokens = _tokens(" ".join(value.split()))
    math_of, paired = _math(tokens)
    matched = _matched_braces(tokens, math_of)
    out: list[str] = []
    for index, (kind, text) in enumerate(tokens):
        in_math = index in math_of
        if kind == _DOLLAR:
            out.append(text if index in paired else text.replace("$", "\\$"))
        elif kind == _BACKSLASH:
            out.append("\\backslash{}" if in_math else "\\textbackslash{}")
        elif kind in (_OPEN, _CLOSE, _ESCAPED_OPEN, _ESCAPED_CLOSE):
            brace = text[-1]
            out.append(text if index in matched else _LITERAL_BRACE[brace, in_math])
        elif text[0] == "\\":  # a command, or a character already escaped
            out.append(text)
        else:
            out.append(
                text.translate(_ESCAPED_IN_MATH if in_math else _ESCAPED_IN_TEXT)
            )
    return "".join(out)


def _math(tokens: list[tuple[int, str]]) -> tuple[dict[int, int], set[int]]:
    """Which tokens are inside which math segment, and which $ are paired: in
    order, a $ only closes a $, a $$ only a $$; the rest are text."""
    math_of: dict[int, int] = {}  # token index -> the index of its opening $
    paired: set[int] = set()
    open_at: int | None = None
    for index, (kind, text) in enumerate(tokens):
        if kind != _DOLLAR:
            continue
        if open_at is None:
            open_at = index
        elif text == tokens[open_at][1]:
            paired.update((open_at, index))
            math_of.update(dict.fromkeys(range(open_at + 1, index), open_at))
            open_at = None
    return math_of, paired


def _matched_braces(tokens: list[tuple[int, str]], math_of: dict[int, int]) -> set[int]:
    """The braces that have a partner: plain and escaped braces are matched
    separately, the text and each math segment separately."""
    stacks: dict[tuple[bool, int], list[int]] = {}
    matched: set[int] = set()
    for index, (kind, _) in enumerate(tokens):
        if kind in (_OPEN, _ESCAPED_OPEN, _CLOSE, _ESCAPED_CLOSE):
            stack = stacks.setdefault(
                (kind in (_OPEN, _CLOSE), math_of.get(index, -1)), []
            )
            if kind in (_OPEN, _ESCAPED_OPEN):
                stack.append(index)
            elif stack:
                matched.update((stack.pop(), index))
    return matched


def _escape_name(name: str) -> str:
    escaped = _escape(name)
    # BibTeX splits an author list on a bare " and "; brace a name containing one.
    if re.search(r"(?:^|\s)and(?:\s|$)", escaped, re.I):
        return "{" + escaped + "}"
    return escaped


_STOP_WORDS = frozenset([
    "a", "an", "the", "of", "on", "in", "for", "to", "and", "or", "with",
    "without", "via", "from", "by", "at", "as", "is", "are", "be", "towards",
    "toward", "into", "over", "under", "about", "using", "do", "does", "can",
    "we", "our", "your", "how", "what", "when", "why", "which",
])  # fmt: skip
_FOLD = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
    | {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "\u0131": "i"}
)
_NAME_SUFFIXES = frozenset(("jr", "jr.", "sr", "sr.", "ii", "iii", "iv"))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return folded.encode("ascii", "ignore").decode().lower()


def _family_name(author: str) -> str:
    # Keys are ASCII, so the quick strip does: no need to pay for pylatexenc.
    plain = strip_latex(author)
    if "," in plain:  # "Family, Given"
        family = plain.split(",")[0]
    else:
        words = plain.split()
        while len(words) > 1 and words[-1].lower() in _NAME_SUFFIXES:
            words.pop()
        family = words[-1] if words else ""
    return re.sub(r"[^a-z0-9]", "", _ascii(family))


def _base_key(record: BibRecord) -> str:
    """family name + year + first significant title word, e.g. vaswani2017attention;
    from the arXiv id when no author gives an ASCII family name."""
    family = next(
        (name for author in record.authors if (name := _family_name(author))), ""
    )
    if not family:
        return "arxiv_" + re.sub(r"[^a-z0-9]+", "_", record.arxiv_id.lower()).strip("_")
    # Math makes poor key words: drop it before picking one.
    words_text = strip_latex(re.sub(r"\$[^$]*\$", " ", record.title))
    words = re.findall(r"[a-z0-9]+", _ascii(words_text))
    word = next((word for word in words if word not in _STOP_WORDS), "")
    year = str(record.year) if record.year is not None else ""
    return family + year + word


def _suffix(number: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa, ..."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = string.ascii_lowercase[rest] + letters
    return letters


def _unique_key(base: str, used: set[str], tried: dict[str, int]) -> str:
    # `tried` remembers how far each base got, so a thousand clashes stay linear.
    for number in itertools.count(tried.get(base, 0)):
        key = base + _suffix(number)
        if key not in used:
            tried[base] = number + 1
            used.add(key)
            return key
    raise AssertionError("unreachable")  # pragma: no cover


def _entry(record: BibRecord, key: str) -> Entry:
    fields = [("title", _escape(record.title))]
    authors = [_escape_name(author) for author in record.authors if author.strip()]
    if authors:
        fields.append(("author", " and ".join(authors)))
    if record.year is not None:
        fields.append(("year", str(record.year)))
        if record.month is not None:
            # A number: biblatex, Zotero and JabRef read it.
            fields.append(("month", str(record.month)))
    arxiv_id = _escape(record.arxiv_id)
    fields += [("eprint", arxiv_id), ("archivePrefix", "arXiv")]
    if record.primary_class:
        fields.append(("primaryClass", _escape(record.primary_class)))
    fields.append(("url", f"https://arxiv.org/abs/{arxiv_id}"))
    return Entry("misc", key, [Field(name, value) for name, value in fields])


def to_bibtex(records: Iterable[BibRecord]) -> str:
    """A .bib file with one @misc entry per record, keys unique within the file."""
    used: set[str] = set()
    tried: dict[str, int] = {}
    library = bibtexparser.Library(
        [
            _entry(record, _unique_key(_base_key(record), used, tried))
            for record in records
        ]
    )
    if not library.entries:
        return ""
    layout = bibtexparser.BibtexFormat()  # type: ignore[no-untyped-call]
    layout.indent = "  "
    layout.block_separator = "\n"
    # The library is ours and thrown away: enclosing in place skips a deep copy.
    stack = middlewares.default_unparse_stack(allow_inplace_modification=True)
    return str(
        bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=layout)
    )
