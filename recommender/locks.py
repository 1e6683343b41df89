"""At most one process at a time on a piece of shared work, across every
worker process and machine: PostgreSQL advisory locks.

A lock belongs to the database session, so a worker that dies mid-work
releases it with its connection, and it blocks no write: a like goes through
while its reader is being trained. SQLite serves one machine with tasks run
inline, one request after the other, and needs none: every lock is free
there.
"""

import contextlib
from collections.abc import Iterator, Sequence

from django.db import connection

# Lock namespaces (the first of PostgreSQL's two 32-bit keys), any numbers of
# our own: a reader's training or feed build, keyed by their id, the same
# of a collection's feed, keyed by the collection's id, and the build of the
# collaborative signal, of which there is one.
TRAINING = 0x50467264
COLLECTION = 0x50464366
COLLABORATIVE_BUILD = 0x50464362


class ReaderBusy(Exception):
    """Another process is training this reader (or collection) right now."""


@contextlib.contextmanager
def held(namespace: int, keys: Sequence[int]) -> Iterator[list[int]]:
    """Those of `keys` whose lock in `namespace` this process took without
    waiting, held for the block; the others are someone else's."""
    if connection.vendor != "postgresql":
        yield list(keys)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key FROM unnest(%s::integer[]) AS key"
            " WHERE pg_try_advisory_lock(%s, key)",
            [list(keys), namespace],
        )
        taken = [row[0] for row in cursor.fetchall()]
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, key)"
                    " FROM unnest(%s::integer[]) AS key",
                    [namespace, taken],
                )


@contextlib.contextmanager
def training_of(user_id: int) -> Iterator[None]:
    """The reader's training lock for the block, or ReaderBusy."""
    with held(TRAINING, [user_id]) as taken:
        if not taken:
            raise ReaderBusy(f"reader {user_id} is being trained elsewhere")
        yield


@contextlib.contextmanager
def collection_of(collection_id: int) -> Iterator[None]:
    """The lock of a collection's training and feed for the block, or ReaderBusy."""
    with held(COLLECTION, [collection_id]) as taken:
        if not taken:
            raise ReaderBusy(f"collection {collection_id} is being trained elsewhere")
        yield


@contextlib.contextmanager
def collaborative_build() -> Iterator[bool]:
    """Whether this process may build the collaborative signal now."""
    with held(COLLABORATIVE_BUILD, [0]) as taken:
        yield bool(taken)
