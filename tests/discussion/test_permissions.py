"""Nobody changes another reader's comment, on any endpoint, with or without
htmx; readers do not moderate; visitors are sent to log in; no state changes
on GET."""

import pytest
from django.test import Client
from django.urls import reverse

from discussion.models import Comment, CommentingBlock
from tests.discussion.helpers import HTMX, post
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db

# Every endpoint acting on one comment, and what it posts.
ON_A_COMMENT = {
    "edit": {"body": "Defaced."},
    "delete": {},
    "hide": {"value": "hide"},
    "block_author": {},
}


@pytest.fixture
def clients() -> tuple[Client, Client]:
    """Two signed-in readers: Ada and Grace."""
    ada, grace = Client(), Client()
    ada.force_login(make_user(username="ada"))
    grace.force_login(make_user(username="grace"))
    return ada, grace


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
@pytest.mark.parametrize("name", ON_A_COMMENT)
def test_no_reader_changes_anothers_comment(
    clients: tuple[Client, Client], name: str, headers: dict[str, str]
):
    ada, grace = clients
    paper = make_paper()
    comment = post(ada, paper, "Ada's own words.")
    reply = post(ada, paper, "Ada's reply.", parent=comment)

    for target in (comment, reply):
        response = grace.post(
            reverse(f"discussion:{name}", args=[target.pk]),
            ON_A_COMMENT[name],
            headers=headers,
        )
        assert response.status_code == 403, (name, target)

    assert sorted(Comment.objects.values_list("body", flat=True)) == [
        "Ada's own words.",
        "Ada's reply.",
    ]
    assert not Comment.objects.exclude(hidden_at=None).exists()
    assert not Comment.objects.exclude(deleted_at=None).exists()
    assert not CommentingBlock.objects.exists()


def test_no_reader_opens_the_edit_form_of_anothers_comment(
    clients: tuple[Client, Client],
):
    ada, grace = clients
    comment = post(ada, make_paper(), "Ada's own words.")

    response = grace.get(reverse("discussion:edit", args=[comment.pk]))

    assert response.status_code == 403
    assert "Ada&#x27;s own words." not in response.content.decode()


def test_a_reader_sees_edit_and_delete_on_their_comments_only(
    clients: tuple[Client, Client],
):
    ada, grace = clients
    paper = make_paper()
    comment = post(ada, paper, "Ada's own words.")
    edit_url = reverse("discussion:edit", args=[comment.pk])

    assert edit_url in ada.get(paper.get_absolute_url()).content.decode()
    page = grace.get(paper.get_absolute_url()).content.decode()
    assert edit_url not in page
    assert reverse("discussion:delete", args=[comment.pk]) not in page
    assert reverse("discussion:hide", args=[comment.pk]) not in page
    assert reverse("discussion:report", args=[comment.pk]) in page


def test_a_deleted_comment_is_edited_by_nobody(clients: tuple[Client, Client]):
    ada, grace = clients
    paper = make_paper()
    comment = post(ada, paper, "Claim.")
    post(grace, paper, "Reply.", parent=comment)
    ada.post(reverse("discussion:delete", args=[comment.pk]))

    response = ada.post(reverse("discussion:edit", args=[comment.pk]), {"body": "Back"})

    assert response.status_code == 403
    assert Comment.objects.get(pk=comment.pk).body == ""


def test_staff_cannot_be_blocked_from_the_page():
    staff = Client()
    staff.force_login(make_user(username="mod", is_staff=True))
    other_staff = make_user(username="mod2", is_staff=True)
    other = Client()
    other.force_login(other_staff)
    comment = post(other, make_paper(), "Moderator's note.")

    response = staff.post(reverse("discussion:block_author", args=[comment.pk]))

    assert response.status_code == 403
    assert not CommentingBlock.objects.exists()


@pytest.mark.parametrize(
    "name",
    [*ON_A_COMMENT, "report", "reply", "post", "follow", "mark_read", "replies"],
)
def test_a_visitor_is_sent_to_log_in_everywhere(client: Client, name: str):
    author = Client()
    author.force_login(make_user())
    paper = make_paper()
    comment = post(author, paper, "Words.")
    args = {
        "post": [paper.pk],
        "follow": [paper.pk],
        "mark_read": [],
        "replies": [],
    }.get(name, [comment.pk])
    url = reverse(f"discussion:{name}", args=args)

    if name in ("replies", "reply"):
        response = client.get(url)
    else:
        response = client.post(url, {"body": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert list(Comment.objects.values_list("body", flat=True)) == ["Words."]


@pytest.mark.parametrize(
    "name", ["delete", "hide", "block_author", "post", "follow", "mark_read"]
)
def test_changes_need_a_post(clients: tuple[Client, Client], name: str):
    ada, _ = clients
    paper = make_paper()
    comment = post(ada, paper, "Words.")
    args = [paper.pk] if name in ("post", "follow") else [comment.pk]

    response = ada.get(
        reverse(f"discussion:{name}", args=[] if name == "mark_read" else args)
    )

    assert response.status_code == 405
