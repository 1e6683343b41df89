"""Titles and abstracts as HTML with their maths rendered: `$...$`, `$$...$$`
and `\\(...\\)` become MathML (latex2mathml), which Chromium, Firefox and
Safari draw natively, with no script, no font download and nothing for the
strict CSP to refuse; `\\emph`, `\\textit` and `\\textbf` become <em> and
<strong>. A formula that does not convert shows its source. Search words
are marked in the prose, never inside a formula.

Chosen over KaTeX from static files: KaTeX would be a second copy of another
project's code in the repository and a script on every page, and the project
keeps only what it writes; latex2mathml is a package. Converting one formula
takes about 0.2 ms on this machine, and a card's HTML is cached
(`papers.cards`), so a page converts only the cards it renders first.
"""

import html
import re
from collections.abc import Sequence

from latex2mathml.converter import convert

from papers.search import highlight

# $$...$$ first, so that it is not read as two empty $...$.
_MATHS_RE = re.compile(r"\$\$(.+?)\$\$|(?<!\\)\$(.+?)(?<!\\)\$|\\\((.+?)\\\)", re.S)
_TEXT_RE = re.compile(r"\\(emph|textit|textbf)\{([^{}\\]*)\}")
_TAGS = {"emph": "em", "textit": "em", "textbf": "strong"}
# Longer than any real formula of a title or abstract, and more formulas than
# any real abstract holds: past these a hostile text would cost time (3,800
# formulas take about 0.8 s), so the rest shows as its source.
MAX_FORMULA = 1_000
MAX_FORMULAS = 200


def render(text: str, words: Sequence[str] = ()) -> str:
    """`text` as escaped HTML with its maths as MathML and `words` marked."""
    if "$" not in text and "\\" not in text:
        return str(highlight(text, list(words)))
    parts: list[str] = []
    position = 0
    for count, match in enumerate(_MATHS_RE.finditer(text)):
        if count == MAX_FORMULAS:
            break
        parts.append(_prose(text[position : match.start()], words))
        display = match.group(1) is not None
        latex = match.group(1) or match.group(2) or match.group(3)
        parts.append(_formula(latex, match.group(0), display=display))
        position = match.end()
    parts.append(_prose(text[position:], words))
    return "".join(parts)


def _prose(text: str, words: Sequence[str]) -> str:
    marked = str(highlight(text, list(words)))
    # Escaping leaves backslashes and braces alone, so the commands are found
    # in the escaped text, their arguments already escaped.
    return _TEXT_RE.sub(lambda m: f"<{_TAGS[m[1]]}>{m[2]}</{_TAGS[m[1]]}>", marked)


def _formula(latex: str, source: str, *, display: bool) -> str:
    if len(latex) > MAX_FORMULA:
        return html.escape(source)
    try:
        mathml = convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # any failure of the converter shows the source
        return f'<span class="formula-source">{html.escape(source)}</span>'
    # The source rides along as MathML's own annotation: not drawn, but what
    # a copy, a screen reader or a test can read back.
    start = mathml.index(">") + 1
    return (
        f"{mathml[:start]}<semantics><mrow>{mathml[start : -len('</math>')]}</mrow>"
        f'<annotation encoding="application/x-tex">{html.escape(source)}'
        "</annotation></semantics></math>"
    )
