"""Read and write BibTeX: a reader's uploaded .bib seeds their likes, and their
likes export as a .bib. Pure functions; the only project import is the arXiv id
normaliser.

Reading is tolerant rather than strict: a bad entry becomes an error naming its
line and is skipped, and the rest of the file is still read. Decisions:

- `@string` macros are expanded wherever a value uses them (also inside later
  `@string`s), the standard month macros (`jan` -> "January") are predefined,
  and an unknown macro is kept as its bare name rather than rejected.
- `#` concatenates the pieces of a value directly, as BibTeX does.
- Whitespace inside values is collapsed to single spaces.
- `@comment` and `@preamble` are skipped; a repeated key (BibTeX compares keys
  case-insensitively) is reported and the later entry skipped.
- Outside entries a line is ignored from its `%`, so a commented-out entry
  stays out; inside an entry, a `%` line between fields is skipped too.
- A braced or quoted value, and an entry, never runs past a line that starts
  with `@type{` or `@type(`: otherwise one missing brace would silently swallow
  every later entry. (A value whose own text puts such a line at a line start
  is reported as unbalanced.)

Everything is done with anchored regexes and str.find, so a 5 MB file parses in
linear time whatever its content.
"""

import bisect
import itertools
import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from papers import arxiv_ids


@dataclass(frozen=True)
class BibEntry:
    key: str
    entry_type: str  # lower case: "article", "misc", ...
    fields: dict[str, str]  # lower-case names; values without outer braces/quotes
    line: int  # 1-based line of the entry's '@'


@dataclass
class BibParse:
    entries: list[BibEntry]
    errors: list[str]  # "line 12: unbalanced braces in entry 'smith2020'"


@dataclass(frozen=True)
class BibRecord:
    arxiv_id: str
    title: str
    authors: list[str]
    year: int | None
    primary_class: str | None


# --------------------------------------------------------------------------- reading

_SPACE_RE = re.compile(r"\s*")
_TYPE_RE = re.compile(r"[A-Za-z][\w-]*")
# Keys, field names and bare values (numbers, macro names) share one shape.
_NAME_RE = re.compile(r"[^\s=,{}()\"#%]+")
_BRACE_RE = re.compile(r"[{}]")
_QUOTED_RE = re.compile(r'[{}"]')
# The start of a line that opens another entry: the furthest any entry may reach.
_NEXT_ENTRY_RE = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z][\w-]*\s*[{(]")

_MONTHS = {
    name[:3].lower(): name
    for name in [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
}


def _skip_spaces(text: str, pos: int, end: int | None = None) -> int:
    match = _SPACE_RE.match(text, pos, len(text) if end is None else end)
    return match.end() if match else pos


class _BadEntry(Exception):
    def __init__(self, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.pos = pos
        self.reason = reason


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.macros: dict[str, str] = dict(_MONTHS)
        self.entries: list[BibEntry] = []
        self.errors: list[str] = []
        self.key_lines: dict[str, int] = {}
        # The next entry-opening line after `limit_from`; found once per region
        # so that many entries on one line do not rescan the rest of the file.
        self.limit_from = -1
        self.limit = -1

    def line_of(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def parse(self) -> BibParse:
        text, pos = self.text, 0
        while (at := text.find("@", pos)) >= 0:
            if self.commented(pos, at):
                newline = text.find("\n", at)
                pos = len(text) if newline < 0 else newline + 1
                continue
            match = _TYPE_RE.match(text, _skip_spaces(text, at + 1))
            if match is None:
                pos = at + 1
                continue
            opener = _skip_spaces(text, match.end())
            if opener >= len(text) or text[opener] not in "{(":
                # Not an entry ("user@example.org" in free text): BibTeX skips it.
                pos = match.end()
                continue
            end = self.region_end(opener)
            try:
                pos = self.item(match.group().lower(), at, opener, end)
            except _BadEntry as bad:
                self.errors.append(f"line {self.line_of(bad.pos)}: {bad.reason}")
                pos = end
        return BibParse(entries=self.entries, errors=self.errors)

    def commented(self, since: int, at: int) -> bool:
        """Whether a '%' earlier on the line (and after `since`) hides this '@'."""
        line_start = self.text.rfind("\n", since, at) + 1 or since
        return self.text.find("%", line_start, at) >= 0

    def region_end(self, opener: int) -> int:
        if opener >= self.limit or opener < self.limit_from:
            found = _NEXT_ENTRY_RE.search(self.text, opener)
            self.limit = found.start() if found else len(self.text)
        self.limit_from = opener
        return self.limit

    def item(self, entry_type: str, at: int, opener: int, end: int) -> int:
        """Read the entry, @string, @preamble or @comment; return where it ends."""
        text = self.text
        closer = "}" if text[opener] == "{" else ")"
        if entry_type == "comment":
            # Skip a balanced group if there is one; BibTeX itself just ignores
            # the word and treats what follows as free text.
            if closer == "}":
                close = self.close_brace(opener, end)
            else:
                close = text.find(")", opener, end) + 1 or None
            return close if close is not None else opener + 1
        if entry_type == "preamble":
            _, pos = self.value(opener + 1, end, "@preamble")
            return self.expect_closer(pos, end, closer, at, "@preamble")
        if entry_type == "string":
            fields, pos = self.fields(opener + 1, end, closer, at, "@string")
            self.macros.update(fields)
            return pos

        pos = self.skip(opener + 1, end)
        key_match = _NAME_RE.match(text, pos, end)
        if key_match is None:
            raise _BadEntry(pos, f"@{entry_type} entry has no key")
        key = key_match.group()
        owner = f"entry '{key}'"
        pos = self.skip(key_match.end(), end)
        if pos < end and text[pos] == ",":
            fields, pos = self.fields(pos + 1, end, closer, at, owner)
        else:
            fields, pos = {}, self.expect_closer(pos, end, closer, at, owner)
        line = self.line_of(at)
        first_line = self.key_lines.setdefault(key.lower(), line)
        if first_line != line:
            raise _BadEntry(at, f"duplicate key '{key}' (first on line {first_line})")
        self.entries.append(BibEntry(key, entry_type, fields, line))
        return pos

    def fields(
        self, pos: int, end: int, closer: str, at: int, owner: str
    ) -> tuple[dict[str, str], int]:
        """Read `name = value` pairs up to and past `closer`; the first of a
        repeated field wins, as in BibTeX."""
        text = self.text
        fields: dict[str, str] = {}
        while True:
            pos = self.skip(pos, end)
            if pos < end and text[pos] == closer:
                return fields, pos + 1
            if pos >= end:
                raise _BadEntry(at, f"unbalanced braces in {owner}")
            name_match = _NAME_RE.match(text, pos, end)
            if name_match is None:
                raise _BadEntry(
                    pos, f"expected a field name in {owner}, found {text[pos]!r}"
                )
            name = name_match.group().lower()
            pos = self.skip(name_match.end(), end)
            if pos >= end or text[pos] != "=":
                raise _BadEntry(pos, f"expected '=' after field '{name}' in {owner}")
            value, pos = self.value(pos + 1, end, f"{owner} (field '{name}')")
            fields.setdefault(name, value)
            pos = self.skip(pos, end)
            if pos < end and text[pos] == ",":
                pos += 1
            elif pos < end and text[pos] != closer:
                raise _BadEntry(
                    pos, f"expected ',' or '{closer}' after field '{name}' in {owner}"
                )

    def value(self, pos: int, end: int, where: str) -> tuple[str, int]:
        """Read `piece # piece # ...` and return the joined text."""
        text = self.text
        pieces: list[str] = []
        while True:
            pos = self.skip(pos, end)
            char = text[pos] if pos < end else ""
            if char == "{":
                close = self.close_brace(pos, end)
                if close is None:
                    raise _BadEntry(pos, f"unbalanced braces in {where}")
                pieces.append(text[pos + 1 : close - 1])
            elif char == '"':
                close = self.close_quote(pos, end)
                if close is None:
                    raise _BadEntry(pos, f"unterminated quoted value in {where}")
                pieces.append(text[pos + 1 : close - 1])
            else:
                bare = _NAME_RE.match(text, pos, end) if char else None
                if bare is None:
                    raise _BadEntry(pos, f"missing value in {where}")
                close = bare.end()
                token = bare.group()
                pieces.append(token if token.isdigit() else self.macro(token))
            pos = self.skip(close, end)
            if pos < end and text[pos] == "#":
                pos += 1
                continue
            return " ".join("".join(pieces).split()), pos

    def macro(self, name: str) -> str:
        return self.macros.get(name.lower(), name)

    def expect_closer(
        self, pos: int, end: int, closer: str, at: int, owner: str
    ) -> int:
        pos = self.skip(pos, end)
        if pos < end and self.text[pos] == closer:
            return pos + 1
        if pos >= end:
            raise _BadEntry(at, f"unbalanced braces in {owner}")
        raise _BadEntry(
            pos, f"expected '{closer}' in {owner}, found {self.text[pos]!r}"
        )

    def skip(self, pos: int, end: int) -> int:
        """Skip whitespace and whole `%` comment lines between the parts of an entry."""
        text = self.text
        while True:
            pos = _skip_spaces(text, pos, end)
            if pos >= end or text[pos] != "%":
                return pos
            newline = text.find("\n", pos, end)
            pos = end if newline < 0 else newline + 1

    def close_brace(self, opener: int, end: int) -> int | None:
        """Just past the '}' matching the '{' at `opener`, if it comes before `end`.
        Like BibTeX, every brace counts, backslash or not."""
        depth = 0
        for match in _BRACE_RE.finditer(self.text, opener, end):
            depth += 1 if match.group() == "{" else -1
            if depth == 0:
                return match.end()
        return None

    def close_quote(self, opener: int, end: int) -> int | None:
        """Just past the '"' that ends the value opened at `opener`; a quote inside
        braces does not end it."""
        depth = 0
        for match in _QUOTED_RE.finditer(self.text, opener + 1, end):
            char = match.group()
            if char == '"' and depth == 0:
                return match.end()
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth < 0:
                    return None
        return None


def parse_bibtex(text: str) -> BibParse:
    """The entries of a .bib file and one error per entry that could not be read."""
    return _Parser(text).parse()


# ------------------------------------------------------------------ arXiv ids, titles

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
    if journal in ("corr", "arxiv") and volume.lower().startswith("abs/"):
        if found := arxiv_ids.normalise(volume[4:]):
            return found
    return arxiv_ids.find_url(fields.get("url", "")) or arxiv_ids.find_doi(
        fields.get("doi", "")
    )


def title_of(entry: BibEntry) -> str | None:
    """The entry's title as plain text (see `latex_to_text`), or None."""
    return latex_to_text(entry.fields.get("title", "")) or None


_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "\u0131",  # dotless i
    "j": "ȷ",
    "textendash": "\u2013",
    "textemdash": "\u2014",
    # What to_bibtex writes for braces and backslashes it cannot leave bare.
    "textbraceleft": "{",
    "textbraceright": "}",
    "textbackslash": "\\",
}
# Formatting commands: their argument is the text, their name is not.
_FORMATTING = frozenset(
    [
        "textbf",
        "textit",
        "textsl",
        "textsc",
        "texttt",
        "textrm",
        "textsf",
        "textup",
        "textmd",
        "textnormal",
        "emph",
        "mbox",
        "hbox",
        "text",
        "ensuremath",
        "bf",
        "it",
        "sl",
        "sc",
        "tt",
        "rm",
        "sf",
        "em",
        "up",
        "normalfont",
        "protect",
        "relax",
        "noopsort",
    ]
)
_CONTROL_WORD_RE = re.compile(r"[A-Za-z]+")


def latex_to_text(value: str) -> str:
    """Plain text for matching: braces dropped, accents and special letters as
    Unicode ({\\"u} -> ü, \\ss -> ß), formatting commands stripped, escaped
    characters unescaped, whitespace collapsed. Math ($...$) is kept verbatim,
    because arXiv titles, and so the catalogue's, carry their math as LaTeX."""
    out: list[str] = []
    pos, length = 0, len(value)
    while pos < length:
        char = value[pos]
        if char == "$":
            close = _math_end(value, pos)
            out.append(value[pos:close] if close else "$")
            pos = close or pos + 1
        elif char == "\\":
            text, pos = _command(value, pos)
            out.append(text)
        elif char in "{}":
            pos += 1
        else:
            out.append(" " if char == "~" else char)  # ~ is TeX's unbreakable space
            pos += 1
    return " ".join(unicodedata.normalize("NFC", "".join(out)).split())


def _math_end(value: str, opener: int) -> int | None:
    """Just past the '$' (or '$$') closing the math opened at `opener`."""
    delimiter = "$$" if value.startswith("$$", opener) else "$"
    pos = opener + len(delimiter)
    while pos < len(value):
        if value[pos] == "\\":
            pos += 2
        elif value.startswith(delimiter, pos):
            return pos + len(delimiter)
        else:
            pos += 1
    return None


def _command(value: str, pos: int) -> tuple[str, int]:
    """The text of the control sequence at `pos` (a backslash), and where it ends."""
    word = _CONTROL_WORD_RE.match(value, pos + 1)
    if word:
        name, pos = word.group(), word.end()
    elif pos + 1 < len(value):
        name, pos = value[pos + 1], pos + 2
    else:
        return "", pos + 1  # a trailing lone backslash
    if name in _ACCENTS:
        if word:  # TeX skips the spaces after a control word: \c c -> ç
            pos = _skip_spaces(value, pos)
        base, pos = _accent_base(value, pos)
        if not base:  # \~{} is a tilde, \v{} nothing
            return ("" if word else name), pos
        return unicodedata.normalize("NFC", base[:1] + _ACCENTS[name] + base[1:]), pos
    if word is None:
        # \& \% \$ \# \_ \{ \} are the character; \, \; \\ and friends are spacing.
        return (" " if name in " ,;:!\\" else "" if name in "-/@" else name), pos
    if name in _LETTERS or name in _FORMATTING:
        pos = _skip_spaces(value, pos)
        return _LETTERS.get(name, ""), pos
    return name, pos  # \LaTeX -> LaTeX: keeping the name beats losing the word


def _accent_base(value: str, pos: int) -> tuple[str, int]:
    """The letter an accent applies to: `u`, `{u}`, `\\i` or `{\\i}`."""
    if pos >= len(value):
        return "", pos
    if value[pos] == "{":
        depth, close = 0, len(value)
        for index in range(pos, len(value)):
            depth += {"{": 1, "}": -1}.get(value[index], 0)
            if depth == 0:
                close = index
                break
        inner = value[pos + 1 : close].strip()
        base = inner[1:] if inner in ("\\i", "\\j") else latex_to_text(inner)
        return base, close + 1
    if value.startswith(("\\i", "\\j"), pos) and not value[pos + 2 : pos + 3].isalpha():
        return value[pos + 1], pos + 2
    if value[pos] == "\\":
        return _command(value, pos)
    return value[pos], pos + 1


# --------------------------------------------------------------------------- writing

# TeX primitives and LaTeX commands that read or write files, run programs or
# redefine things; a title from arXiv has no business using them.
_DANGEROUS = frozenset(
    [
        "input",
        "include",
        "includeonly",
        "write",
        "immediate",
        "openin",
        "openout",
        "read",
        "readline",
        "closein",
        "closeout",
        "newwrite",
        "newread",
        "def",
        "edef",
        "gdef",
        "xdef",
        "let",
        "futurelet",
        "catcode",
        "csname",
        "endcsname",
        "expandafter",
        "newcommand",
        "renewcommand",
        "providecommand",
        "usepackage",
        "documentclass",
        "special",
        "directlua",
        "luaexec",
        "shellescape",
        "write18",
        "jobname",
        "makeatletter",
        "makeatother",
    ]
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
    stay together, so `\\&` is never escaped twice and `\\}` is one token."""
    tokens: list[tuple[int, str]] = []
    pos, length = 0, len(value)
    while pos < length:
        char = value[pos]
        if char == "\\":
            word = _CONTROL_WORD_RE.match(value, pos + 1)
            if word:
                if word.group().lower() in _DANGEROUS:
                    tokens.append((_BACKSLASH, "\\"))
                    tokens.append((_TEXT, word.group()))
                else:
                    tokens.append((_TEXT, "\\" + word.group()))
                pos = word.end()
            elif pos + 1 < length:
                kind = {"{": _ESCAPED_OPEN, "}": _ESCAPED_CLOSE}.get(value[pos + 1])
                tokens.append((kind or _TEXT, value[pos : pos + 2]))
                pos += 2
            else:
                tokens.append((_BACKSLASH, "\\"))
                pos += 1
        elif char == "$":
            delimiter = "$$" if value.startswith("$$", pos) else "$"
            tokens.append((_DOLLAR, delimiter))
            pos += len(delimiter)
        else:
            kind = {"{": _OPEN, "}": _CLOSE}.get(char, _TEXT)
            tokens.append((kind, char))
            pos += 1
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
    """
    tokens = _tokens(" ".join(value.split()))
    dollars = [index for index, (kind, _) in enumerate(tokens) if kind == _DOLLAR]
    # Pair $ signs in order (a $ only closes a $, a $$ only a $$); the rest are text.
    math_of: dict[int, int] = {}  # token index -> math segment number
    paired: set[int] = set()
    open_at: int | None = None
    for index in dollars:
        if open_at is None:
            open_at = index
        elif tokens[index][1] == tokens[open_at][1]:
            paired.update((open_at, index))
            for inside in range(open_at + 1, index):
                math_of[inside] = open_at
            open_at = None
    # Match braces per (family, segment): plain and escaped braces separately,
    # the text (-1) and each math segment separately.
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
        elif text in ("&", "%", "#"):
            out.append("\\" + text)
        elif text == "_" and not in_math:
            out.append("\\_")
        elif text == "^" and not in_math:
            out.append("\\^{}")
        else:
            out.append(text)
    return "".join(out)


def _escape_name(name: str) -> str:
    escaped = _escape(name)
    # BibTeX splits an author list on a bare " and "; brace a name containing one.
    if re.search(r"(?:^|\s)and(?:\s|$)", escaped, re.I):
        return "{" + escaped + "}"
    return escaped


_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "on",
        "in",
        "for",
        "to",
        "and",
        "or",
        "with",
        "without",
        "via",
        "from",
        "by",
        "at",
        "as",
        "is",
        "are",
        "be",
        "towards",
        "toward",
        "into",
        "over",
        "under",
        "about",
        "using",
        "do",
        "does",
        "can",
        "we",
        "our",
        "your",
        "how",
        "what",
        "when",
        "why",
        "which",
    ]
)
_FOLD = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
    | {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "\u0131": "i"}
)
_NAME_SUFFIXES = frozenset(("jr", "jr.", "sr", "sr.", "ii", "iii", "iv"))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return folded.encode("ascii", "ignore").decode().lower()


def _family_name(author: str) -> str:
    plain = latex_to_text(author)
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
    words_text = re.sub(r"\$[^$]*\$", " ", latex_to_text(record.title))
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


def to_bibtex(records: Iterable[BibRecord]) -> str:
    """A .bib file with one @misc entry per record, keys unique within the file."""
    used: set[str] = set()
    tried: dict[str, int] = {}
    chunks = []
    for record in records:
        key = _unique_key(_base_key(record), used, tried)
        fields = [("title", _escape(record.title))]
        authors = [_escape_name(author) for author in record.authors if author.strip()]
        if authors:
            fields.append(("author", " and ".join(authors)))
        if record.year is not None:
            fields.append(("year", str(record.year)))
        arxiv_id = _escape(record.arxiv_id)
        fields += [("eprint", arxiv_id), ("archivePrefix", "arXiv")]
        if record.primary_class:
            fields.append(("primaryClass", _escape(record.primary_class)))
        fields.append(("url", f"https://arxiv.org/abs/{arxiv_id}"))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        chunks.append(f"@misc{{{key},\n{body}\n}}\n")
    return "\n".join(chunks)
