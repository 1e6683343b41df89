"""The text index and what is derived from the catalogue with it: paper
vectors and the collaborative signal of all readers' likes. All of it can be
rebuilt (`manage.py build_index`)."""

from django.db import models

from papers.models import Paper


class TextIndex(models.Model):
    """One fitted TF-IDF vocabulary with its idf and LSA projection."""

    version = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=False, db_index=True)
    n_papers = models.PositiveIntegerField(default=0)
    n_terms = models.PositiveIntegerField(default=0)
    # Bumped whenever vectors of this version are written (see current_corpus).
    vectors_changed_at = models.DateTimeField(null=True, blank=True)
    # engine.text.index_to_bytes: JSON and raw numpy arrays, never a pickle.
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_text_index",
            )
        ]

    def __str__(self) -> str:
        return self.version


class CollaborativeSignal(models.Model):
    """One build of what all readers' likes say (engine.corpus.Collaborative).

    Its arrays are files under `collaborative/<version>/` in the default
    storage (see recommender.collaborative): at a million likes they take
    hundreds of megabytes, which processes map from a file rather than copy.
    """

    version = models.CharField(max_length=40, unique=True)
    built_at = models.DateTimeField()
    # The likes it was built from: their number and the latest change.
    likes = models.PositiveIntegerField()
    last_like_at = models.DateTimeField(null=True, blank=True)
    papers = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.version


class PaperVector(models.Model):
    """A paper's TF-IDF row and LSA coordinates in one index version.

    A rebuild writes the new version's rows beside the current ones and
    switches over at the end, so readers are served throughout.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="vectors")
    index_version = models.CharField(max_length=40)
    term_ids = models.BinaryField()  # int32
    weights = models.BinaryField()  # float32, l2-normalised
    lsa = models.BinaryField()  # float32, l2-normalised

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["index_version", "paper"], name="one_vector_per_paper_and_index"
            )
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.index_version}"
