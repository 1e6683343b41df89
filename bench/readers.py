"""Readers for the feed and nightly benchmarks, seeded from the real corpus:
each follows TOPICS_PER_READER topics picked by size and likes
LIKES_PER_READER papers, mostly of those topics, with a few dismissals; the
first SIGNED_IN of a random order also get a session for the clients.

`python -m bench.readers DATABASE_URL [COUNT]` is the child that creates them
with the ORM (READERS unless COUNT is given) and prints their counts and the
clients' sessions as JSON.
"""

import json
import random
import sys
import time
from typing import Any

from bench.clients import FOR_YOU_CLIENTS, LIKE_CLIENTS, SEED, sign_in
from bench.load import LOAD_CLIENTS
from bench.processes import setup_django

READERS = 1000
LIKES_PER_READER = (20, 200)  # uniform, inclusive
TOPICS_PER_READER = (2, 3)
OFF_TOPIC_SHARE = 0.1  # likes drawn from the whole catalogue
DISMISSALS_PER_READER = (0, 10)
# Every client of the feed benchmark is a reader of its own.
SIGNED_IN = FOR_YOU_CLIENTS + 2 * LIKE_CLIENTS + LOAD_CLIENTS


def with_feeds(count: int) -> list[Any]:
    """The first `count` readers (by id) who have a stored feed: the ones the
    measuring children ask for in turn. Needs Django."""
    from django.db.models import Count

    from accounts.models import User

    return list(
        User.objects.annotate(items=Count("feed_items"))
        .filter(items__gt=0)
        .order_by("pk")[:count]
    )


def create_readers(database_url: str, readers: int = READERS) -> None:
    """Create `readers` readers and their feedback; print sessions and counts
    as JSON."""
    setup_django(database_url)

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from accounts.models import User
    from papers.models import PaperTopic
    from recommender.models import Feedback, ReaderProfile

    started = time.perf_counter()
    rng = random.Random(SEED)
    by_topic: dict[int, list[int]] = {}
    for paper_id, topic_id in PaperTopic.objects.filter(position=0).values_list(
        "paper_id", "topic_id"
    ):
        by_topic.setdefault(topic_id, []).append(paper_id)
    topics = sorted(by_topic)
    sizes = [len(by_topic[t]) for t in topics]
    everything = [pk for t in topics for pk in by_topic[t]]

    password = make_password("bench-password")  # hashed once, shared
    users = User.objects.bulk_create(
        [User(username=f"reader{i:05d}", password=password) for i in range(readers)]
    )
    feedback: list[Feedback] = []
    follows: list[Any] = []
    profiles = ReaderProfile.objects.bulk_create(
        [ReaderProfile(user=user) for user in users]
    )
    for user, profile in zip(users, profiles, strict=True):
        n_topics = rng.randint(*TOPICS_PER_READER)
        chosen: set[int] = set()
        while len(chosen) < n_topics:
            chosen.add(rng.choices(topics, weights=sizes)[0])
        follows.extend(
            ReaderProfile.topics.through(readerprofile_id=profile.pk, topic_id=t)
            for t in chosen
        )
        pool = [pk for t in chosen for pk in by_topic[t]]
        n_likes = rng.randint(*LIKES_PER_READER)
        liked: set[int] = set()
        while len(liked) < n_likes:
            source = everything if rng.random() < OFF_TOPIC_SHARE else pool
            liked.add(rng.choice(source))
        dismissed: set[int] = set()
        for _ in range(rng.randint(*DISMISSALS_PER_READER)):
            pk = rng.choice(everything)
            if pk not in liked:
                dismissed.add(pk)
        feedback.extend(
            Feedback(user=user, paper_id=pk, value=Feedback.LIKE) for pk in liked
        )
        feedback.extend(
            Feedback(user=user, paper_id=pk, value=Feedback.NOT_INTERESTED)
            for pk in dismissed
        )
    with transaction.atomic():
        ReaderProfile.topics.through.objects.bulk_create(follows)
        Feedback.objects.bulk_create(feedback, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    clients = sign_in(rng.sample(users, SIGNED_IN))
    likes = sum(1 for f in feedback if f.value == Feedback.LIKE)
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "readers": len(users),
                "likes": likes,
                "dismissals": len(feedback) - likes,
                "clients": clients,
            }
        )
    )


if __name__ == "__main__":
    create_readers(sys.argv[1], *map(int, sys.argv[2:3]))
