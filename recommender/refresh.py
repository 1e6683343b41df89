"""Bringing a reader's derived data up to date after their feedback changes:
the stamp of the change, the retraining and feed rebuild it asks for, the
model's quality estimate once the likes have settled, and the catch-up of
readers whose refresh never ran.

Each change stamps `ReaderModel.requested_at`. A refresh answering an older
stamp than the newest does nothing: the refresh queued for the newer change
sees its feedback too, so quick successive changes end in one or two
trainings on a worker instead of one each.

A change that comes while a refresh trains is noticed when the refresh
stores: the model and the feed are stored together, in one transaction, only
while the reader's stamp is still the one the refresh answers, checked with
the reader's record locked (one UPDATE of the record, filtered on the stamp,
`stamps.store_if_latest`). A refresh overtaken by an unlike, a reset of the
reader's interests or the account's deletion stores nothing: the unlike's
own refresh does the work (and until it has, the stamps say the model is out
of date, so the periodic catch-up retrains it if that refresh is lost), and a
reset or a deletion, which remove the record, leave none to do. Those never
take the training lock: a like would wait for a whole training, a reset or a
deletion for a training or a batch of feeds, and each would need an answer
for a wait that runs out.
"""

import datetime as dt
import logging

from django.db import models

from accounts.models import User
from recommender import locks
from recommender.engine.evaluation import estimate_quality
from recommender.feed import build_feed
from recommender.index import Progress, current_corpus, current_index
from recommender.models import ReaderModel
from recommender.stamps import stamp_change
from recommender.training import Overtaken, feedback_ids, train_model

logger = logging.getLogger(__name__)

# Likes added or removed, as a share of the likes, before quality is re-estimated.
QUALITY_CHANGE = 0.25


def mark_requested(*, user: User) -> dt.datetime:
    """Stamp a change of the reader's feedback; returns the stamp."""
    return stamp_change(ReaderModel, "user", user.pk)


def superseded(user: User, requested_at: dt.datetime) -> bool:
    """The change stamped `requested_at` is no longer the reader's latest: a
    later one has asked again, or their model was reset or deleted."""
    return not ReaderModel.objects.filter(user=user, requested_at=requested_at).exists()


def refresh_reader(*, user: User, requested_at: dt.datetime | None = None) -> bool:
    """Retrain `user`'s model and rebuild their feed for the change stamped
    `requested_at` (without one, for their latest change). False
    when a later change, a reset or a deletion superseded it; ReaderBusy while
    another process trains the reader.

    Under the reader's lock refreshes of one reader run one after the other:
    one that starts after a newer change was stamped leaves the work to that
    change's own refresh, and one that started earlier stores nothing.
    """
    with locks.training_of(user.pk):
        if requested_at is None:
            # A catch-up answers the reader's latest change (stamping one if
            # there is none), so that one coming while it trains is noticed
            # like any other, and the refresh already queued for that change
            # still runs and asks for the quality estimate.
            requested_at = ReaderModel.objects.filter(user=user).values_list(
                "requested_at", flat=True
            ).first() or mark_requested(user=user)
        elif superseded(user, requested_at):
            return False
        try:
            # The model is stored with the feed, in one transaction.
            trained = train_model(user=user)
            build_feed(user=user, built_for=requested_at, trained=trained)
        except Overtaken:
            return False
        return True


def quality_due(likes: int, estimated_on: int | None) -> bool:
    """Whether a reader with `likes` likes, whose quality was last estimated
    on `estimated_on` likes (None: never), needs a new estimate."""
    return estimated_on is None or abs(likes - estimated_on) >= max(
        1, QUALITY_CHANGE * estimated_on
    )


def update_quality(
    *, user: User, requested_at: dt.datetime | None = None
) -> float | None:
    """Cross-validate the reader's model on their own feedback and store it.

    It costs three trainings, so it is re-estimated only once the likes have
    changed by a quarter since the last estimate: one like more hardly moves
    it. With `requested_at` (the change whose refresh asked for it), nothing
    is done when a later change has asked again.
    """
    if requested_at is not None and superseded(user, requested_at):
        return None
    current = current_corpus()
    record = ReaderModel.objects.filter(user=user)
    stored = record.values("quality", "quality_likes").first()
    if current is None or stored is None:
        return None
    judged = feedback_ids(user)
    if not quality_due(len(judged.liked), stored["quality_likes"]):
        quality: float | None = stored["quality"]
        return quality
    estimate = estimate_quality(
        current.corpus, judged.liked, judged.dismissed, seed=user.pk
    )
    if requested_at is not None:  # not a later change's record, nor a reset one
        record = record.filter(requested_at=requested_at)
    record.update(quality=estimate, quality_likes=len(judged.liked))
    logger.info(
        "estimated the quality of reader %s on %s likes", user.pk, len(judged.liked)
    )
    return estimate


def train_readers(*, everyone: bool = False, progress: Progress | None = None) -> int:
    """Retrain the readers whose model is missing, of an older index, or whose
    model or feed is older than their feedback (everyone with feedback when
    `everyone`), and rebuild their feeds."""
    index = current_index()
    if index is None:
        return 0
    readers = User.objects.filter(feedback__isnull=False).distinct()
    if not everyone:
        # Up to date: a model of this index, trained and its feed built
        # since the reader's latest change (`train_reader_model` stores the
        # model alone).
        fresh = (
            ReaderModel.objects.filter(
                index_version=index.version, trained_at__isnull=False
            )
            .exclude(requested_at__gt=models.F("trained_at"))
            .exclude(requested_at__gt=models.F("feed_built_at"))
        )
        readers = readers.exclude(pk__in=fresh.values("user_id"))
    trained = 0
    for user in readers.order_by("pk").iterator():
        try:
            refresh_reader(user=user)
        except locks.ReaderBusy:
            continue  # its own refresh is under way
        trained += 1
        if progress:
            progress(1)
    return trained
