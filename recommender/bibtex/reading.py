"""A .bib file's entries, read within hard limits whatever the file says: at
most `MAX_BYTES` of text, `MAX_ENTRIES` entries, values of at most
`MAX_VALUE_CHARS` after `@string` expansion (and `MAX_EXPANDED_CHARS` of
expansion in the whole file), nested at most `latex.MAX_DEPTH` deep. An entry
over a limit, or one that is not valid BibTeX, becomes one error naming its
number, key and line, and is skipped; the rest of the file is still read.
Also:

- `@string` macros (and the month names) expand wherever a value uses them,
  `#` concatenates; an unknown macro is kept as its bare name (bibtexparser's
  own middleware neither concatenates nor expands inside `@string`s).
- A line starting with `%` is a comment, so a commented-out entry or field
  stays out. A repeated key (compared case-insensitively) is reported and the
  later entry skipped; of a repeated field, the first wins.
"""

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    ParsingFailedBlock,
    String,
)

from recommender.bibtex.latex import (
    LATEX_BUDGET_CHARS,
    MAX_DEPTH,
    LatexBudget,
    depth,
)

# A reader's broken entry is reported to them; it is no warning for the
# server log.
logging.getLogger("bibtexparser.splitter").setLevel(logging.ERROR)

MAX_BYTES = 5 * 1024 * 1024
# The 5 MB of a library exported from arXiv listings is about 30,000 entries.
MAX_ENTRIES = 30_000
# Long enough for an abstract or a collaboration's author list.
MAX_VALUE_CHARS = 100_000
# Macro text pasted into values in all: real files paste a journal name or a
# month per entry; a chain of macros doubling each other would paste gigabytes.
MAX_EXPANDED_CHARS = 5_000_000


@dataclass(frozen=True)
class BibEntry:
    key: str
    entry_type: str  # lower case: "article", "misc", ...
    fields: dict[str, str]  # lower-case names; values without outer braces/quotes
    line: int  # 1-based line of the entry's '@'
    # Shared by the entries of one file, so that its titles together get a
    # bounded amount of LaTeX decoding.
    budget: LatexBudget | None = field(default=None, compare=False, repr=False)


@dataclass
class BibParse:
    entries: list[BibEntry]
    errors: list[str]  # "entry 2 (smith2020), line 3: it is never closed ..."


_COMMENT_LINE_RE = re.compile(r"^[ \t]*%[^\n]*", re.MULTILINE)
# The splitter's convention: a brace or quote right after a backslash is text.
_BRACE_OR_QUOTE_RE = re.compile(r'(?<!\\)[{}"]')
_BARE_RE = re.compile(r"[^\s=,{}()\"#%]+")
_BLOCK_RE = re.compile(r"@\s*(\w*)\s*[{(]\s*([^,\s]*)")
_MONTHS = {
    month[:3].lower(): month
    for month in [
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December",
    ]
}  # fmt: skip
# bibtexparser's reasons for a block it could not split, in a reader's words.
_REASONS = [
    (
        "Unexpectedly reached end of file",
        "it is never closed: a '}' or '\"' is missing",
    ),
    ("Unexpected block start", "it is never closed: a '}' or '\"' is missing"),
    ("Expected comma after entry key", "expected ',' after the key"),
    ("Expected a `=`", "a field has no '='"),
    ("Expected equals sign", "expected '=' after the name"),
    ("Expected either a `,`", "expected ',' or '}' after a field"),
]


class _Skip(Exception):
    def __init__(self, reason: str, *, from_macro: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        # Set when only an earlier, already reported @string is to blame.
        self.from_macro = from_macro


class _Reader:
    """Turns bibtexparser's blocks into entries and errors, expanding macros
    within the limits."""

    def __init__(self) -> None:
        self.macros: dict[str, str | None] = dict(_MONTHS)  # None: skipped
        self.expanded = 0
        self.number = 0
        self.keys: dict[str, tuple[int, int]] = {}
        self.budget = LatexBudget(LATEX_BUDGET_CHARS)
        self.entries: list[BibEntry] = []
        self.errors: list[str] = []

    def read(self, block: object) -> None:
        if isinstance(block, DuplicateBlockKeyBlock | DuplicateFieldKeyBlock):
            # We judge repeated keys and fields ourselves, case-insensitively.
            block = block.ignore_error_block
        if isinstance(block, Entry):
            self.entry(block)
        elif isinstance(block, String):
            self.define(block)
        elif isinstance(block, ParsingFailedBlock):
            self.failed(block)

    def define(self, block: String) -> None:
        try:
            value = self.value(block.value, "its value")
        except _Skip as skip:
            self.macros[block.key.lower()] = None
            if not skip.from_macro:
                self.errors.append(
                    f"@string '{block.key}', line {_line(block)}: {skip.reason}"
                )
            return
        self.macros[block.key.lower()] = value

    def entry(self, block: Entry) -> None:
        self.number += 1
        line = _line(block)
        where = _where(self.number, block.key, line)
        if self.number > MAX_ENTRIES:
            self.errors.append(
                f"{where}: skipped, a file may hold at most {MAX_ENTRIES:,} entries"
            )
            return
        if not block.key:
            self.errors.append(f"{where}: it has no key")
            return
        first = self.keys.setdefault(block.key.lower(), (self.number, line))
        if first != (self.number, line):
            self.errors.append(
                f"{where}: entry {first[0]} on line {first[1]} has the same key"
            )
            return
        try:
            fields = self.fields(block.fields)
        except _Skip as skip:
            self.errors.append(f"{where}: {skip.reason}")
            return
        self.entries.append(
            BibEntry(block.key, block.entry_type, fields, line, self.budget)
        )

    def failed(self, block: ParsingFailedBlock) -> None:
        match = _BLOCK_RE.match(block.raw or "")
        kind, key = (match.group(1).lower(), match.group(2)) if match else ("", "")
        reason = str(getattr(block.error, "abort_reason", block.error))
        reason = next(
            (ours for theirs, ours in _REASONS if reason.startswith(theirs)),
            reason.replace("`", "'").strip(),
        )
        if kind == "string":
            self.errors.append(f"@string, line {_line(block)}: {reason}")
        elif kind not in ("comment", "preamble"):
            self.number += 1
            self.errors.append(f"{_where(self.number, key, _line(block))}: {reason}")

    def fields(self, fields: list[Field]) -> dict[str, str]:
        values: dict[str, str] = {}
        for item in fields:
            name = item.key.lower()
            value = self.value(str(item.value), f"field '{name}'")
            values.setdefault(name, value)
        return values

    def value(self, raw: str, what: str) -> str:
        """`piece # piece ...` joined, macros expanded, within the limits."""
        pieces: list[str] = []
        length = 0
        for piece, is_macro in _pieces(raw, what):
            if is_macro:
                macro = self.macros.get(piece.lower(), piece)
                if macro is None:
                    raise _Skip(
                        f"{what} uses @string '{piece}', which was skipped",
                        from_macro=True,
                    )
                self.expanded += len(macro)
                if self.expanded > MAX_EXPANDED_CHARS:
                    raise _Skip(
                        f"{what}: the file's @string macros expand to more than "
                        f"{MAX_EXPANDED_CHARS:,} characters in all"
                    )
                piece = macro
            length += len(piece)
            if length > MAX_VALUE_CHARS:
                raise _Skip(f"{what} is longer than {MAX_VALUE_CHARS:,} characters")
            pieces.append(piece)
        value = " ".join("".join(pieces).split())
        if depth(value) > MAX_DEPTH:
            raise _Skip(f"{what} is nested more than {MAX_DEPTH} levels deep")
        return value


def _pieces(raw: str, what: str) -> Iterator[tuple[str, bool]]:
    """The pieces of a raw value, each with whether it names a macro."""
    pos, end = _skip_spaces(raw, 0), len(raw)
    while True:
        char = raw[pos] if pos < end else ""
        if char in ("{", '"'):
            close = _close(raw, pos)
            if close is None:
                raise _Skip(f"unbalanced braces or quotes in {what}")
            yield raw[pos + 1 : close - 1], False
        else:
            bare = _BARE_RE.match(raw, pos) if char else None
            if bare is None:
                raise _Skip(f"{what} has no value")
            close = bare.end()
            yield bare.group(), not bare.group().isdigit()
        pos = _skip_spaces(raw, close)
        if pos >= end:
            return
        if raw[pos] != "#":
            raise _Skip(f"expected ',' or '}}' after {what}")
        pos = _skip_spaces(raw, pos + 1)


def _skip_spaces(raw: str, pos: int) -> int:
    while pos < len(raw) and raw[pos].isspace():
        pos += 1
    return pos


def _close(raw: str, opener: int) -> int | None:
    """Just past the brace or quote closing the one at `opener`; a quote
    inside braces does not close a quoted value."""
    depth = 0
    quoted = raw[opener] == '"'
    for match in _BRACE_OR_QUOTE_RE.finditer(raw, opener + quoted):
        char = match.group()
        if char == '"':
            if quoted and depth == 0:
                return match.end()
            continue
        depth += 1 if char == "{" else -1
        if depth == 0 and not quoted:
            return match.end()
        if depth < 0:
            return None
    return None


def _line(block: Entry | String | ParsingFailedBlock) -> int:
    return (block.start_line or 0) + 1  # bibtexparser counts from 0


def _where(number: int, key: str, line: int) -> str:
    return (
        f"entry {number} ({key}), line {line}"
        if key
        else f"entry {number}, line {line}"
    )


def parse_bibtex(text: str) -> BibParse:
    """The entries of a .bib file and one error per entry that could not be read
    or was skipped."""
    if len(text) > MAX_BYTES:
        return BibParse(
            [], [f"the file is over {size_name(MAX_BYTES)}: nothing was read"]
        )
    # Blanking comment lines (not deleting them) keeps the line numbers right.
    text = _COMMENT_LINE_RE.sub("", text)
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    except Exception:  # bibtexparser raises what it takes for a bug of its own
        return BibParse([], ["the file could not be read as BibTeX"])
    reader = _Reader()
    for block in library.blocks:
        reader.read(block)
    return BibParse(entries=reader.entries, errors=reader.errors)


def size_name(limit: int) -> str:
    """A byte count as readers name it: 5 MB, 512 kB."""
    return f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit / 2**10:g} kB"
