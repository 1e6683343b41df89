from django.conf import settings
from django.db import models
from django.utils import timezone

from papers.models import Paper

# A note is a line beside the reader's name, not a review.
NOTE_LENGTH = 200


class Submission(models.Model):
    """A paper a reader put on a day's page, "Submitted by <reader>", with an
    optional one-line note.

    `day` is the listing day the submission shows on: the site's newest
    listing day when the reader submitted (see `services.submit_paper`),
    whatever day arXiv announced the paper.
    """

    day = models.DateField()
    # By arXiv id, and without a database constraint: a paper the catalogue
    # lacks is submitted before its look-up stores it, and shows once it has.
    paper = models.ForeignKey(
        Paper,
        to_field="arxiv_id",
        db_column="arxiv_id",
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    note = models.CharField(max_length=NOTE_LENGTH, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "paper"],
                name="submissions_one_per_paper_and_day",
                violation_error_message="This paper is already submitted that day.",
            ),
        ]
        indexes = [models.Index(fields=["user", "submitted_at"])]

    def __str__(self) -> str:
        return f"arXiv:{self.paper_id} on {self.day} by {self.user}"
