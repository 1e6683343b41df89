"""Why a response gave no papers: the one exception family fetchers catch."""


class FetchError(Exception):
    """A response no paper can be read from; catch this one type in fetchers."""


class ArxivError(FetchError):
    """The arXiv API answered with its error feed; the message is arXiv's."""


class OaiError(FetchError):
    """An OAI-PMH <error> other than noRecordsMatch (an empty result)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class MalformedResponse(FetchError):
    """Not the document that was asked for: truncated XML, HTML, bad JSON."""


class UnsafeXml(FetchError):
    """XML with a DTD or entity declarations, refused before any expansion."""
