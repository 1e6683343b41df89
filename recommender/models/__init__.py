"""Readers' feedback, collections and digests, and what is derived from them:
the text index, per-paper vectors, per-reader and per-collection models and
feeds. Feedback, collections and digest settings are primary data; the rest
can always be rebuilt (`manage.py build_index`, `manage.py train_readers`).

One module a concern (readers, index, digests, collections); every model is
importable from here, as migrations and the rest of the project expect.
"""

from recommender.models.collections import (
    Collection,
    CollectionEntry,
    CollectionFeedItem,
    CollectionModel,
    new_share_token,
)
from recommender.models.digests import Digest, DigestPaper, DigestSettings
from recommender.models.index import CollaborativeSignal, PaperVector, TextIndex
from recommender.models.readers import (
    INTERESTS_MAX_LENGTH,
    AuthorFollow,
    Feedback,
    FeedItem,
    ReaderModel,
    ReaderProfile,
)

__all__ = [
    "INTERESTS_MAX_LENGTH",
    "AuthorFollow",
    "CollaborativeSignal",
    "Collection",
    "CollectionEntry",
    "CollectionFeedItem",
    "CollectionModel",
    "Digest",
    "DigestPaper",
    "DigestSettings",
    "FeedItem",
    "Feedback",
    "PaperVector",
    "ReaderModel",
    "ReaderProfile",
    "TextIndex",
    "new_share_token",
]
