"""A reader's refresh after their feedback changes: superseded requests
collapse into one training."""

import logging

import pytest

from recommender import tasks
from recommender.models import (
    Feedback,
    ReaderModel,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_ten_quick_likes_cause_one_training_and_one_quality_estimate(
    catalogue, django_capture_on_commit_callbacks, caplog
):
    reader = make_user()
    with django_capture_on_commit_callbacks() as scheduled:
        for paper in catalogue[:10]:
            Feedback.objects.create(user=reader, paper=paper, value=Feedback.LIKE)
            tasks.request_refresh(user=reader)
    assert len(scheduled) == 10

    with caplog.at_level(logging.INFO, logger="recommender"):
        for callback in scheduled:
            callback()  # the tasks run eagerly, oldest request first

    def logged(start: str) -> int:
        return sum(r.getMessage().startswith(start) for r in caplog.records)

    assert logged("trained the model") == 1
    assert logged("estimated the quality") == 1
    record = ReaderModel.objects.get(user=reader)
    assert record.n_likes == record.quality_likes == 10
    assert record.quality is not None
