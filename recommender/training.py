"""A reader's model: trained from their feedback, stored, loaded, and put
into words for the interests page.

Training is done by `refresh.refresh_reader` (after a change of feedback) and
`refresh.train_readers` (readers left stale); this module does one training
and knows nothing of when or why it runs.
"""

import datetime as dt
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.utils import timezone
from scipy import sparse

from accounts.models import User
from recommender.collaborative import signal_over
from recommender.engine.corpus import Collaborative
from recommender.engine.reader import (
    PseudoPapers,
    model_from_bytes,
    model_to_bytes,
    top_terms,
    train_reader,
)
from recommender.engine.reader import ReaderModel as EngineModel
from recommender.engine.text import Index, project, vectorize
from recommender.index import Current, current_corpus, current_index
from recommender.models import Feedback, ReaderModel, ReaderProfile
from recommender.stamps import latest_unchanged, store_if_latest
from web.prepared import Prepared

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trained:
    """A training's result: the model (None when the reader has nothing to
    learn from yet), the fields of the reader's record that store it, and
    what the training read that the feed built next needs too: the corpus,
    the collaborative signal and the papers the reader judged."""

    model: EngineModel | None
    record: Mapping[str, object]
    current: Current
    signal: Collaborative
    judged: frozenset[int]


class Overtaken(Exception):
    """A later change of the reader's feedback, a reset of their interests or
    the deletion of their account came while the work was done: nothing of it
    was stored."""


def lock_latest(stamps: Mapping[int, dt.datetime | None]) -> set[int]:
    """Of the readers of `stamps` (user id: the change a training or feed
    build answers), those whose latest change is still that one, their
    records locked until the transaction ends (`stamps.latest_unchanged`)."""
    return latest_unchanged(ReaderModel, "user", stamps)


class FeedbackIds(NamedTuple):
    liked: list[int]
    dismissed: list[int]


# A refresh's reads of the reader, as prepared queries (web.prepared): built
# by the ORM each time, its small queries cost a like's refresh about 1 ms
# each beyond the database's answer.
_JUDGED = Prepared(
    lambda user_id: Feedback.objects.filter(user_id=user_id).values_list(
        "paper_id", "value"
    )
)
# The profile's words and topics in one query: a row per followed topic, or
# one with no topic.
_PROFILE = Prepared(
    lambda user_id: ReaderProfile.objects.filter(user_id=user_id).values_list(
        "interests", "topics__code"
    )
)


def feedback_ids(user: User) -> FeedbackIds:
    """The papers `user` liked and the ones they are not interested in."""
    judged = FeedbackIds(liked=[], dismissed=[])
    for pk, value in _JUDGED.rows(user.pk):
        (judged.liked if value == Feedback.LIKE else judged.dismissed).append(pk)
    return judged


@dataclass(frozen=True)
class Subject:
    """What a model learns from: the ids of its positive and negative papers,
    text in the reader's own words that counts as one more positive, and the
    topics that set its prior. A reader is one (`reader_subject`); so is a
    collection (`collection_feed.collection_subject`), trained by the same
    `train_subject`."""

    liked: list[int]
    dismissed: list[int]
    seed: int
    interests: str = ""
    followed: list[str] = field(default_factory=list)


def reader_subject(user: User) -> Subject:
    """A reader's likes and "not interested", interests and followed topics."""
    judged = feedback_ids(user)
    profile = _PROFILE.rows(user.pk)
    return Subject(
        liked=judged.liked,
        dismissed=judged.dismissed,
        seed=user.pk,
        interests=next((words for words, _ in profile), ""),
        followed=[code for _, code in profile if code is not None],
    )


def train_subject(
    subject: Subject, current: Current, signal: Collaborative
) -> EngineModel | None:
    """The model of `subject` in the current index, with the collaborative
    `signal` over it; None with nothing to learn from (no positive in the
    index, no word of its text known)."""
    return train_reader(
        current.corpus,
        subject.liked,
        subject.dismissed,
        index_version=current.index.version,
        collaborative=signal,
        pseudo_liked=_pseudo_papers(subject.interests, current.index),
        seed=subject.seed,
        followed=subject.followed,
    )


def train_model(*, user: User) -> Trained | None:
    """Train `user`'s model from their feedback and interests; nothing is
    stored. None when there is no text index yet."""
    current = current_corpus()
    if current is None:
        logger.info("No text index yet: run `manage.py build_index` to train readers.")
        return None
    subject = reader_subject(user)
    signal = signal_over(current)
    model = train_subject(subject, current, signal)
    logger.info(
        "trained the model of reader %s on %s likes", user.pk, len(subject.liked)
    )
    return Trained(
        model=model,
        record={
            "index_version": current.index.version,
            "data": model_to_bytes(model) if model else b"",
            "n_likes": len(subject.liked),
            "n_dismissed": len(subject.dismissed),
            "trained_at": timezone.now(),
        },
        current=current,
        signal=signal,
        judged=frozenset([*subject.liked, *subject.dismissed]),
    )


def train_reader_model(
    *, user: User, requested_at: dt.datetime | None = None
) -> Trained | None:
    """Train `user`'s model (`train_model`) and store it. With `requested_at`
    (the change the training answers), it is stored only while that is the
    reader's latest change: Overtaken otherwise. A refresh stores the model
    with the feed instead (`feed.build_feed`)."""
    trained = train_model(user=user)
    if trained is None:
        return None
    if requested_at is None:
        ReaderModel.objects.update_or_create(user=user, defaults=trained.record)
    elif not store_if_latest(
        ReaderModel, "user", user.pk, requested_at, **trained.record
    ):
        raise Overtaken(f"reader {user.pk} changed since {requested_at}")
    return trained


def _interests_of(user: User) -> str:
    """The reader's interests in their own words ("" when none)."""
    text = (
        ReaderProfile.objects.filter(user=user)
        .values_list("interests", flat=True)
        .first()
    )
    return text or ""


def _pseudo_papers(text: str, index: Index) -> PseudoPapers | None:
    """`text` as a liked pseudo-paper; None when it has no word the index knows."""
    if not text.strip():
        return None
    vectors = vectorize(index, [text])
    if vectors.nnz == 0:
        return None
    return PseudoPapers(vectors=vectors, lsa=project(index, vectors))


# Decoded models this process keeps, by reader and training, newest use last:
# a ranked topic or search page read and decoded its reader's stored model
# (160 kB) on every request, 4.7 of rank_for_reader's 11 ms on the feed
# benchmark's database; reading the stamp that finds it here takes 0.7.
_models: OrderedDict[tuple[int, dt.datetime], EngineModel] = OrderedDict()
_models_lock = threading.Lock()


def load_reader_model(*, user: User) -> EngineModel | None:
    """The reader's stored model, or None when they have none for this index.
    Decoded once per training in each process (at most
    PAPERFEED_MODEL_CACHE_ENTRIES readers' models are kept)."""
    index = current_index()
    found = (
        ReaderModel.objects.filter(user=user)
        .values_list("index_version", "trained_at")
        .first()
    )
    if index is None or found is None or found[0] != index.version:
        return None
    trained_at = found[1]
    if trained_at is None:  # stamped by a change, never trained
        return None
    key = (user.pk, trained_at)
    with _models_lock:
        model = _models.get(key)
        if model is not None:
            _models.move_to_end(key)
            return model
    # None when there is no model, or when a training stored another since
    # the stamp was read (the next request finds that one).
    data = (
        ReaderModel.objects.filter(user=user, trained_at=trained_at)
        .values_list("data", flat=True)
        .first()
    )
    if not data:
        return None
    model = model_from_bytes(bytes(data))
    with _models_lock:
        _models[key] = model
        while len(_models) > settings.PAPERFEED_MODEL_CACHE_ENTRIES:
            _models.popitem(last=False)
    return model


@dataclass(frozen=True)
class Interests:
    """A reader's model in words, for the interests page."""

    liked_terms: list[tuple[str, float]]
    disliked_terms: list[tuple[str, float]]
    n_likes: int
    n_dismissed: int
    quality: float | None
    trained_at: dt.datetime | None


def describe_interests(*, user: User, count: int = 15) -> Interests | None:
    """What the reader's stored model favours and avoids; None without one."""
    # The model's bytes are read once, by load_reader_model.
    record = ReaderModel.objects.filter(user=user).defer("data").first()
    model = load_reader_model(user=user)
    current = current_corpus()
    if record is None or model is None or current is None:
        return None
    corpus = current.corpus
    liked = corpus.vectors[corpus.rows(model.liked.tolist())]
    interests = _pseudo_papers(_interests_of(user), current.index)
    if interests is not None:  # the reader's own words count as a liked paper
        liked = sparse.vstack([liked, interests.vectors], format="csr")
    liked_terms, disliked_terms = top_terms(
        model,
        current.index.terms,
        count,
        liked=liked,
        dismissed=corpus.vectors[corpus.rows(model.dismissed.tolist())],
        named=current.index.named,
    )
    return Interests(
        liked_terms=liked_terms,
        disliked_terms=disliked_terms,
        n_likes=record.n_likes,
        n_dismissed=record.n_dismissed,
        quality=record.quality,
        trained_at=record.trained_at,
    )
