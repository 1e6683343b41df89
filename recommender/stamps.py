"""The stamp of the latest change a derived record answers: a reader's model
and feed (`ReaderModel`) or a collection's (`CollectionModel`). Every change
stamps it; work started for an older stamp stores nothing."""

import datetime as dt
from collections.abc import Mapping

from django.utils import timezone

from recommender.inserts import update
from recommender.models import CollectionModel, ReaderModel


# Generic over the two records that carry a stamp, each type-checked on its own.
def stamp_change[Stamped: (ReaderModel, CollectionModel)](
    model: type[Stamped], owner: str, owner_id: int
) -> dt.datetime:
    """Stamp a change of the reader or collection `owner_id` (`owner` is the
    record's field naming it); returns the stamp.

    One upsert of the stamp: loading and saving the record would read and
    write the stored model's bytes (a few hundred kB) on every change.
    """
    now = timezone.now()
    model.objects.bulk_create(
        [model(**{f"{owner}_id": owner_id}, requested_at=now, index_version="")],
        update_conflicts=True,
        unique_fields=[owner],
        update_fields=["requested_at"],
    )
    return now


def latest_unchanged[Stamped: (ReaderModel, CollectionModel)](
    model: type[Stamped], owner: str, stamps: Mapping[int, dt.datetime | None]
) -> set[int]:
    """Of the owners of `stamps` (id: the change a training or feed build
    answers), those whose latest change is still that one. Called in a
    transaction: their records stay locked until it ends, so no later change,
    reset or deletion comes between this look and what is stored for them.

    The record is locked, not the training lock: a like, an unlike or a reset
    waits for a store (a moment), never for a training, and the work it makes
    stale is dropped instead (its own refresh does it anew).
    """
    key = f"{owner}_id"
    stored = (
        model.objects.select_for_update()
        .filter(**{f"{key}__in": stamps})
        .order_by(key)
        .values_list(key, "requested_at")
    )
    return {pk for pk, latest in stored if latest == stamps[pk]}


def store_if_latest[Stamped: (ReaderModel, CollectionModel)](
    model: type[Stamped],
    owner: str,
    owner_id: int,
    stamp: dt.datetime | None,
    **fields: object,
) -> bool:
    """Store `fields` on the record of `owner_id` only while its latest change
    is still `stamp`; whether they were stored. One UPDATE that checks the
    stamp and, in a transaction, keeps the record locked until it ends, as
    `latest_unchanged` does for many owners in a SELECT of its own."""
    stored = model.objects.filter(**{f"{owner}_id": owner_id, "requested_at": stamp})
    return bool(update(stored, **fields))
