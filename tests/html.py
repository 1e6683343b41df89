"""Reading rendered pages the way a reader sees them."""

import html
import re
from typing import Any


def titles(response: Any) -> list[str]:
    """The titles of the paper cards on a page, in order, as they were written:
    a formula read back from its annotation, other markup (search marks,
    emphasis) dropped."""
    found = re.findall(
        r'class="paper-title"><a href="[^"]+">(.*?)</a></h2>', response.content.decode()
    )
    return [html.unescape(_untagged(title)) for title in found]


def _untagged(fragment: str) -> str:
    fragment = re.sub(
        r"<math\b.*?<annotation [^>]*>(.*?)</annotation>.*?</math>", r"\1", fragment
    )
    return re.sub(r"<[^>]+>", "", fragment)
