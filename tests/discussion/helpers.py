"""Comments made as readers make them, for the discussion tests."""

from django.test import Client
from django.urls import reverse

from discussion.models import Comment
from papers.models import Paper

HTMX = {"HX-Request": "true"}


def post(
    client: Client, paper: Paper, body: str, parent: Comment | None = None
) -> Comment:
    """`body` posted by `client`'s reader; the comment as stored."""
    data = {"body": body, **({"parent": str(parent.pk)} if parent else {})}
    response = client.post(reverse("discussion:post", args=[paper.pk]), data)
    assert response.status_code == 302, response.content
    return Comment.objects.latest("pk")
