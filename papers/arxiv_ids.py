"""arXiv identifiers: the one place that reads them. Pure: no Django.

An id is new style (`2501.01234`, four digits of year and month, then four
or five) or old style (`hep-th/9901001`, `math.AG/0101001`: an archive, an
optional subject class, then year, month and a three-digit number). Readers
write them with a version (`v2`), an `arXiv:` prefix, as an abstract or PDF
address (`https://arxiv.org/abs/...`, `export.arxiv.org/pdf/....pdf`) or as
arXiv's DOI (`10.48550/arXiv.2501.01234`). Every form comes out as the bare
id the catalogue stores.
"""

import datetime as dt
import re

# The two shapes of an id, without a version.
ID_PATTERN = r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})"
# One reference, anchored: the id alone or in one of the forms above.
_WHOLE_RE = re.compile(
    r"^(?:https?://)?(?:(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/"
    r"|(?:dx\.)?doi\.org/10\.48550/arxiv\.|10\.48550/arxiv\.|arxiv:\s*)?"
    rf"({ID_PATTERN})(v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)
# An id inside free text ("arXiv preprint arXiv:2401.01234", a URL in a
# note): the lookarounds keep a match from starting or ending mid-word or
# mid-number, which also keeps the search linear on long runs of letters.
_IN_TEXT = rf"(?<![\w-])({ID_PATTERN})(?:v\d+)?(?!\d)"
_PREFIXED_RE = re.compile(
    rf"arxiv(?:\s+preprint)?(?::\s*|\s+)(?:arxiv:\s*)?{_IN_TEXT}", re.IGNORECASE
)
_URL_RE = re.compile(rf"arxiv\.org/(?:abs|pdf)/{_IN_TEXT}", re.IGNORECASE)
_DOI_RE = re.compile(rf"10\.48550/arxiv\.{_IN_TEXT}", re.IGNORECASE)
# How long a reference can be and still be one: a whole URL with a version.
MAX_REFERENCE = 200


def normalise(value: str) -> str | None:
    """The bare id `value` names ('arXiv:2501.01234v2', an arXiv address or
    DOI -> '2501.01234'), or None when it is not one reference to a paper."""
    value = value.strip()
    if len(value) > MAX_REFERENCE:
        return None
    match = _WHOLE_RE.match(value)
    return None if match is None else _canonical(match.group(1))


def version_of(value: str) -> int | None:
    """The version a reference names ('2501.01234v3' -> 3), or None."""
    match = _WHOLE_RE.match(value.strip()[:MAX_REFERENCE])
    if match is None or match.group(2) is None:
        return None
    return int(match.group(2)[1:])


def find_prefixed(text: str) -> str | None:
    """The first id that free text names as an arXiv one: 'arXiv:...',
    'arXiv preprint ...', an arxiv.org address or an arXiv DOI."""
    return _first(text, _PREFIXED_RE, _URL_RE, _DOI_RE)


def find_url(text: str) -> str | None:
    """The first id of an arxiv.org abstract or PDF address in `text`."""
    return _first(text, _URL_RE)


def find_doi(text: str) -> str | None:
    """The first id of an arXiv DOI (10.48550/arXiv....) in `text`."""
    return _first(text, _DOI_RE)


def _first(text: str, *patterns: re.Pattern[str]) -> str | None:
    for pattern in patterns:
        for match in pattern.finditer(text):
            if bare := normalise(match.group(1)):
                return bare
    return None


def _canonical(bare: str) -> str:
    if "/" not in bare:
        return bare.lower()
    # Old style: the archive in lower case, a subject class in upper case
    # ('HEP-TH/9901001' -> 'hep-th/9901001', 'math.ag/...' -> 'math.AG/...').
    archive, number = bare.split("/")
    name, _, subject = archive.partition(".")
    return (
        f"{name.lower()}.{subject.upper()}/{number}"
        if subject
        else f"{name.lower()}/{number}"
    )


def month_of(arxiv_id: str) -> dt.date | None:
    """The first day of the month a bare id was submitted in, which the id
    spells ('2501.01234' -> 2025-01-01, 'hep-th/9901001' -> 1999-01-01), or
    None when its digits name no month."""
    digits = arxiv_id.rsplit("/", 1)[-1][:4]
    if len(digits) < 4 or not digits.isdigit():
        return None
    year, month = int(digits[:2]), int(digits[2:])
    if not 1 <= month <= 12:
        return None
    # arXiv began in 1991: two-digit years from 91 on are the 1990s.
    return dt.date(1900 + year if year >= 91 else 2000 + year, month, 1)


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"
