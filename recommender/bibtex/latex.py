"""LaTeX to plain text for matching titles: pylatexenc, bounded. It recurses
into every level of nesting, doubles nested accents and retries unclosed
optional arguments exponentially, so what reaches it is bounded first (depth,
a budget of characters per file) and the rest is stripped the quick way.
"""

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    SpecialsTextSpec,
    get_default_latex_context_db,
)
from pylatexenc.latex2text._defaultspecs import unicode_accents_list

# Malformed LaTeX is decoded the quick way; it is no warning for the server log.
logging.getLogger("pylatexenc").setLevel(logging.ERROR)

# Braces (and \begin) nest, and pylatexenc recurses into each level (past
# about 300 it raises RecursionError): the depth is bounded before decoding.
MAX_DEPTH = 10
# pylatexenc reads about 100 kB/s: the titles of one file get this many
# characters of it, and the quick strip of `strip_latex` after that.
LATEX_BUDGET_CHARS = 200_000


@dataclass
class LatexBudget:
    chars: int


_DOTLESS = {"\u0131": "i", "\u0237": "j"}
_AS_TYPED = ("&", "--", "---", "``", "''")


def _accent(combining: str) -> Callable[[Any, Any], str]:
    def accented(node: Any, l2tobj: Any) -> str:
        args = [arg for arg in (node.nodeargs or [])[:1] if arg is not None]
        base = str(l2tobj.nodelist_to_text(args)).strip()
        # TeX accents one letter. pylatexenc accents every character of the
        # argument, marks included, so each nested accent doubled the text:
        # 30 levels would make half a billion marks.
        first = _DOTLESS.get(base[:1], base[:1])
        return first + combining + base[1:] if base else ""

    return accented


def _latex_decoder() -> LatexNodes2Text:
    context = get_default_latex_context_db()
    context.add_context_category(
        "paperfeed",
        prepend=True,
        macros=[
            *(
                MacroTextSpec(name, _accent(mark))
                for name, mark in unicode_accents_list
            ),
            MacroTextSpec("LaTeX", "LaTeX"),
            MacroTextSpec("TeX", "TeX"),
            # What `to_bibtex` writes for braces it cannot leave bare.
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textasciicircum", "^"),
        ],
        # Kept as typed, as the catalogue's titles have them: "B --> K",
        # ``quoted'', and & where LaTeX would want \&.
        specials=[SpecialsTextSpec(chars, chars) for chars in _AS_TYPED],
    )
    # arXiv titles, and so the catalogue's, carry their math as LaTeX.
    return LatexNodes2Text(latex_context=context, math_mode="verbatim")


_DECODER = _latex_decoder()
# Brackets stand in for pylatexenc's optional arguments, which it retries in
# exponential time when they nest unclosed (`\cite[\cite[...`): hidden from it
# and put back after. A bare % would start a comment there but is text here.
_HIDE_RE = re.compile(r"\\.|[\[\]%]", re.DOTALL)
_HIDDEN = {"[": "\ue000", "]": "\ue001", "%": "\\%"}
_SHOWN = str.maketrans({"\ue000": "[", "\ue001": "]"})
# A command (and what it escapes), a brace or a tie, for the quick strip.
_STRIP_RE = re.compile(r"\\(?:[A-Za-z]+\s*|(.))|[{}~]", re.DOTALL)
_UNESCAPED = {char: char for char in "&%$#_{}"} | dict.fromkeys("\\,; ", " ")


def latex_to_text(value: str, *, budget: LatexBudget | None = None) -> str:
    """Plain text for matching: braces dropped, accents and special letters as
    Unicode ({\\"u} -> ü, \\ss -> ß), formatting commands stripped, escaped
    characters unescaped, whitespace collapsed. Math ($...$) is kept verbatim.
    Past the nesting limit, or the file's `budget`, it is stripped instead."""
    if "\\" not in value and "$" not in value:
        text = value.replace("{", "").replace("}", "").replace("~", " ")
    elif depth(value) > MAX_DEPTH or not _spend(budget, len(value)):
        text = strip_latex(value)
    else:
        text = _decode(value)
    return " ".join(unicodedata.normalize("NFC", text).split())


def _spend(budget: LatexBudget | None, chars: int) -> bool:
    """Whether the file's budget still covers `chars` characters of pylatexenc."""
    if budget is None:
        return True
    if budget.chars < chars:
        return False
    budget.chars -= chars
    return True


def _decode(value: str) -> str:
    hidden = _HIDE_RE.sub(lambda m: _HIDDEN.get(m.group(), m.group()), value)
    try:
        return str(_DECODER.latex_to_text(hidden)).translate(_SHOWN)
    except Exception:  # pylatexenc raises on some malformed input
        return strip_latex(value)


def strip_latex(value: str) -> str:
    """The quick, lossy decoding: command names and braces dropped, escaped
    characters kept (\\& -> &), accents lost (\\"u -> u)."""
    return _STRIP_RE.sub(_strip_one, value)


def _strip_one(match: re.Match[str]) -> str:
    if match.group(1) is not None:  # \& and friends
        return _UNESCAPED.get(match.group(1), "")
    return " " if match.group() == "~" else ""


# What nests for pylatexenc: braces and environments. A command is read whole,
# so that `\\{` counts as the line break it is, then a brace.
_NESTING_RE = re.compile(r"\\(?:begin\b|end\b|[A-Za-z]+|.)|[{}]", re.DOTALL)
_NESTING = {"{": 1, "\\begin": 1, "}": -1, "\\end": -1}


def depth(value: str) -> int:
    openers = value.count("{") + value.count("\\begin")
    if openers <= MAX_DEPTH:
        return openers  # no deeper than that, and most values stop here
    deepest = depth = 0
    for match in _NESTING_RE.finditer(value):
        depth += _NESTING.get(match.group(), 0)
        deepest = max(deepest, depth)
    return deepest
