"""papers.parsers.documents: hostile and broken responses, refused with a reason
by every parser that reads them. All CONSTRUCTED but the truncated recordings.
"""

from pathlib import Path

import pytest

from papers.parsers.atom import parse_atom
from papers.parsers.errors import FetchError, MalformedResponse, UnsafeXml
from papers.parsers.oai import parse_oai
from tests.papers.parsers.test_atom import PRIMARY_LISTED_LAST
from tests.papers.parsers.test_oai import OAI_LAST_PAGE
from tests.papers.recordings import read

# CONSTRUCTED attacks: each would expand to gigabytes or read a local file if
# the parser honoured its DTD.
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feed [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry>
  <id>http://arxiv.org/abs/2401.01234v1</id><title>&lol9;</title>
  <summary>&lol9;</summary></entry></feed>"""


def external_entity(secret: Path) -> bytes:
    """CONSTRUCTED: an entry whose title would be the contents of `secret`."""
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE feed [\n'
        f'  <!ENTITY xxe SYSTEM "{secret.as_uri()}">\n]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/abs/2401.01234v1</id><title>&xxe;</title>"
        "<summary>&xxe;</summary></entry></feed>"
    ).encode()


@pytest.mark.parametrize("parse", [parse_atom, parse_oai])
def test_a_billion_laughs_document_is_refused(parse) -> None:
    with pytest.raises(UnsafeXml, match="DTD or entity declarations"):
        parse(BILLION_LAUGHS)


@pytest.mark.parametrize("parse", [parse_atom, parse_oai])
def test_an_external_entity_is_never_read(parse, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t-value")

    with pytest.raises(UnsafeXml) as raised:
        parse(external_entity(secret))

    assert "s3cr3t-value" not in str(raised.value)
    assert isinstance(raised.value, FetchError)


def test_an_external_dtd_is_refused() -> None:
    # CONSTRUCTED: no internal subset, but a DTD fetched from elsewhere.
    data = (
        b'<?xml version="1.0"?><!DOCTYPE feed SYSTEM "http://evil.example/x.dtd">'
        b'<feed xmlns="http://www.w3.org/2005/Atom"/>'
    )

    with pytest.raises(UnsafeXml):
        parse_atom(data)


def test_a_truncated_feed_raises_malformed_response(shared_data: Path) -> None:
    data = read(shared_data, "arxiv_api_atom", "sotawhat_arxiv_transformer.xml")

    with pytest.raises(MalformedResponse) as raised:
        parse_atom(data[: len(data) // 2])

    assert str(raised.value).startswith(
        "expected an Atom feed, got malformed or truncated XML"
    )
    assert isinstance(raised.value, FetchError)


def test_a_truncated_oai_page_raises_malformed_response(shared_data: Path) -> None:
    data = read(shared_data, "arxiv_oai_pmh", "hepcrawl_arxiv-physics-hep-ex.xml")

    with pytest.raises(MalformedResponse, match="expected an OAI-PMH response"):
        parse_oai(data[:-40])


# CONSTRUCTED: the kind of page a proxy or load balancer sends instead of XML.
PROXY_ERROR_PAGE = b"""<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>
</body></html>"""


def test_an_html_error_page_names_what_came_instead_of_the_feed() -> None:
    with pytest.raises(MalformedResponse) as raised:
        parse_atom(PROXY_ERROR_PAGE)

    assert str(raised.value) == (
        "expected an Atom feed, got HTML (title: '502 Bad Gateway')"
    )


def test_an_xhtml_page_after_a_comment_is_still_named_html() -> None:
    # CONSTRUCTED: well-formed XHTML that does not start with <html>.
    data = (
        b'<?xml version="1.0"?><!-- cache miss --><html '
        b'xmlns="http://www.w3.org/1999/xhtml"><head><title>Service Unavailable'
        b"</title></head><body/></html>"
    )

    with pytest.raises(MalformedResponse) as raised:
        parse_atom(data)

    assert str(raised.value) == (
        "expected an Atom feed, got HTML (title: 'Service Unavailable')"
    )


def test_an_html_error_page_is_not_taken_for_an_oai_page() -> None:
    with pytest.raises(
        MalformedResponse, match=r"^expected an OAI-PMH response, got HTML"
    ):
        parse_oai(PROXY_ERROR_PAGE)


@pytest.mark.parametrize(
    ("parse", "data", "reason"),
    [
        (parse_atom, b"", "expected an Atom feed, got an empty response"),
        (parse_atom, OAI_LAST_PAGE, "expected an Atom feed, got a <OAI-PMH> document"),
        (parse_oai, PRIMARY_LISTED_LAST, "expected an OAI-PMH response, got a <feed>"),
        (
            parse_atom,
            b'<feed xmlns="http://www.w3.org/2005/Atom" '
            b'xmlns:o="http://a9.com/-/spec/opensearch/1.1/">'
            b"<o:totalResults>lots</o:totalResults></feed>",
            "expected a count in opensearch:totalResults, got 'lots'",
        ),
    ],
)
def test_a_response_of_the_wrong_kind_raises_malformed_response(
    parse, data: bytes, reason: str
) -> None:
    with pytest.raises(MalformedResponse) as raised:
        parse(data)

    assert str(raised.value).startswith(reason)


def test_a_deeply_nested_document_parses_without_recursion_errors() -> None:
    # CONSTRUCTED: 200,000 nested elements inside a title.
    depth = 200_000
    data = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        b"<id>http://arxiv.org/abs/2401.01234v1</id><title>"
        + b"<b>" * depth
        + b"Deep"
        + b"</b>" * depth
        + b"</title><summary>Still parsed.</summary></entry></feed>"
    )

    (record,) = parse_atom(data).records

    assert record.title == "Deep"
