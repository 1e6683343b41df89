"""Reading untrusted responses: safe XML parsing, spotting an HTML error page
where XML or JSON was expected, and the text, count and date helpers the
parsers share.

XML is untrusted: any document with a DTD is refused before an entity can be
expanded (billion laughs) or an external one fetched or read (XXE). The parsers
read the tree through fixed paths of direct children only, so a hostile
document nested a million levels deep costs memory in the parser but no
recursion here.
"""

import datetime as dt
import re
import xml.etree.ElementTree as ET  # types only: defusedxml does the parsing

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from papers.parsers.errors import MalformedResponse, UnsafeXml
from papers.records import InvalidRecord, shorten

_DATE_PREFIX_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:$|T)")
# A proxy's or CDN's error page. An XHTML page's `<!DOCTYPE html>` would
# otherwise be refused as an unsafe DTD, a misleading reason; a DOCTYPE with an
# internal subset (`[`) is left to the XML parser, which refuses it as unsafe.
_HTML_RE = re.compile(
    rb"^(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!doctype\s+html\b[^\[>]*>|<html[\s>])",
    re.IGNORECASE,
)
_HTML_TITLE_RE = re.compile(rb"<title[^>]{0,100}>([^<]{0,200})", re.IGNORECASE)
_HTML_SNIFF_BYTES = 64 * 1024


def parse_xml(data: bytes, expected: str) -> ET.Element:
    """The root of a safe XML document; `expected` names it in error messages."""
    if not data.strip():
        raise MalformedResponse(f"expected {expected}, got an empty response")
    if looks_like_html(data):
        raise MalformedResponse(f"expected {expected}, got HTML{html_title(data)}")
    try:
        root: ET.Element = defused_fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise UnsafeXml(
            f"refused {expected} with a DTD or entity declarations: such XML can "
            "expand without limit or read files, and arXiv never sends it"
        ) from None
    except ET.ParseError as error:
        raise MalformedResponse(
            f"expected {expected}, got malformed or truncated XML ({error})"
        ) from None
    # Well-formed XHTML that the sniffing above missed (say, after a comment).
    if _local_name(root).lower() == "html":
        raise MalformedResponse(f"expected {expected}, got HTML{html_title(data)}")
    return root


def sniffed(data: bytes) -> bytes:
    """The start of a response, without a byte order mark or leading space."""
    return data[:_HTML_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")


def looks_like_html(data: bytes) -> bool:
    return _HTML_RE.match(sniffed(data)) is not None


def html_title(data: bytes) -> str:
    """The page's title, which usually says what went wrong ("502 Bad Gateway")."""
    match = _HTML_TITLE_RE.search(data[:_HTML_SNIFF_BYTES])
    if match is None:
        return ""
    title = collapse(match.group(1).decode("utf-8", errors="replace"))
    return f" (title: {shorten(title)!r})" if title else ""


def describe(element: ET.Element) -> str:
    return f"a <{shorten(_local_name(element))}> document"


def _local_name(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def child_text(parent: ET.Element, path: str) -> str:
    """The text of `parent`'s first `path` child, "" when there is none."""
    child = parent.find(path)
    if child is None:
        return ""
    # Atom text and the arXiv metadata have no markup inside, but a crafted
    # element might: keep all its text, read without recursion by the C tree.
    return "".join(child.itertext())


def collapse(text: str) -> str:
    return " ".join(text.split())


def int_value(text: str | None, name: str) -> int | None:
    if text is None or not text.strip():
        return None
    value = text.strip()
    # isdigit() alone would accept "²"; 18 digits keep int() fast and bounded.
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise MalformedResponse(f"expected a count in {name}, got {shorten(value)!r}")
    return int(value)


def read_date(text: str, name: str) -> dt.date | None:
    """The calendar day of an ISO date or UTC timestamp; None when empty."""
    value = text.strip()
    if not value:
        return None
    match = _DATE_PREFIX_RE.match(value)
    if match:
        try:
            return dt.date.fromisoformat(match.group(1))
        except ValueError:
            pass
    raise InvalidRecord(f"bad {name} date {shorten(value)!r}")
