"""Reading rendered pages the way a reader sees them."""

import html
import re
from typing import Any


def titles(response: Any) -> list[str]:
    """The titles of the paper cards on a page, in order, as a reader reads them."""
    found = re.findall(
        r'class="paper-title"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )
    return [html.unescape(title) for title in found]
