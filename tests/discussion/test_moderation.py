"""Authors edit and delete their own comments; staff hide comments and stop
readers commenting, from the paper's page and the admin; readers report."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from discussion.models import Comment, CommentingBlock, CommentReport
from tests.discussion.helpers import HTMX, post
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def grace_client() -> Client:
    client = Client()
    client.force_login(make_user(username="grace"))
    return client


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(make_user(username="mod", is_staff=True, is_superuser=True))
    return client


def test_an_author_edits_their_comment(reader_client: Client):
    paper = make_paper()
    comment = post(reader_client, paper, "Frist.")

    form = reader_client.get(reverse("discussion:edit", args=[comment.pk]))
    reader_client.post(
        reverse("discussion:edit", args=[comment.pk]), {"body": "First."}
    )

    assert ">Frist.</textarea>" in form.content.decode()
    page = reader_client.get(paper.get_absolute_url()).content.decode()
    assert "<p>First.</p>" in page
    assert "Frist." not in page
    assert ">edited</span>" in page


def test_the_edit_form_comes_in_place_with_htmx(reader_client: Client):
    comment = post(reader_client, make_paper(), "Text.")

    response = reader_client.get(
        reverse("discussion:edit", args=[comment.pk]), headers=HTMX
    )

    text = response.content.decode()
    assert "<html" not in text
    assert f'id="edit-form-{comment.pk}"' in text
    assert 'hx-target="#discussion"' in text


def test_a_deleted_comment_without_replies_is_gone(reader_client: Client):
    paper = make_paper()
    comment = post(reader_client, paper, "Oops.")

    reader_client.post(reverse("discussion:delete", args=[comment.pk]))

    assert not Comment.objects.exists()
    assert "Oops." not in reader_client.get(paper.get_absolute_url()).content.decode()


def test_a_deleted_comment_with_replies_leaves_deleted_above_them(
    reader_client: Client, grace_client: Client
):
    paper = make_paper()
    comment = post(reader_client, paper, "Claim.")
    post(grace_client, paper, "Counterpoint.", parent=comment)

    reader_client.post(reverse("discussion:delete", args=[comment.pk]))

    page = grace_client.get(paper.get_absolute_url()).content.decode()
    assert "Claim." not in page
    assert "Deleted by its author." in page
    assert "Counterpoint." in page
    assert Comment.objects.get(pk=comment.pk).body == ""


def test_the_last_reply_deleted_takes_the_deleted_comment_with_it(
    reader_client: Client, grace_client: Client
):
    paper = make_paper()
    comment = post(reader_client, paper, "Claim.")
    reply = post(grace_client, paper, "Counterpoint.", parent=comment)
    reader_client.post(reverse("discussion:delete", args=[comment.pk]))

    grace_client.post(reverse("discussion:delete", args=[reply.pk]))

    assert not Comment.objects.exists()


def test_staff_hide_a_comment_from_the_page(
    reader_client: Client, grace_client: Client, staff_client: Client
):
    paper = make_paper()
    comment = post(grace_client, paper, "Spam spam spam.")
    staff_page = staff_client.get(paper.get_absolute_url()).content.decode()

    response = staff_client.post(
        reverse("discussion:hide", args=[comment.pk]), {"value": "hide"}, headers=HTMX
    )

    assert ">Hide</button>" in staff_page
    assert "hidden from readers" in response.content.decode()
    page = reader_client.get(paper.get_absolute_url()).content.decode()
    assert "Spam spam spam." not in page
    # Showing it again brings it back.
    staff_client.post(reverse("discussion:hide", args=[comment.pk]), {"value": "show"})
    assert (
        "Spam spam spam."
        in reader_client.get(paper.get_absolute_url()).content.decode()
    )


def test_a_hidden_comment_with_replies_leaves_a_mark(
    reader_client: Client, grace_client: Client, staff_client: Client
):
    paper = make_paper()
    comment = post(grace_client, paper, "Rude.")
    post(reader_client, paper, "Please be kind.", parent=comment)

    staff_client.post(reverse("discussion:hide", args=[comment.pk]))

    page = reader_client.get(paper.get_absolute_url()).content.decode()
    assert "Rude." not in page
    assert "Hidden by staff." in page
    assert "Please be kind." in page


def test_staff_stop_a_reader_commenting_from_the_page(
    grace_client: Client, staff_client: Client
):
    paper = make_paper()
    comment = post(grace_client, paper, "Spam.")

    staff_client.post(reverse("discussion:block_author", args=[comment.pk]))
    response = grace_client.post(
        reverse("discussion:post", args=[paper.pk]), {"body": "More spam."}
    )

    assert CommentingBlock.objects.get().user == comment.author
    assert response.status_code == 403
    assert Comment.objects.count() == 1


def test_a_blocked_reader_cannot_edit_either(grace_client: Client):
    comment = post(grace_client, make_paper(), "Text.")
    CommentingBlock.objects.create(user=comment.author)

    response = grace_client.post(
        reverse("discussion:edit", args=[comment.pk]), {"body": "Spam."}
    )

    assert response.status_code == 403
    assert Comment.objects.get().body == "Text."


def test_a_reader_reports_a_comment_to_staff(
    reader_client: Client, grace_client: Client, staff_client: Client
):
    comment = post(grace_client, make_paper(), "Dubious.")
    form = reader_client.get(reverse("discussion:report", args=[comment.pk]))

    response = reader_client.post(
        reverse("discussion:report", args=[comment.pk]),
        {"reason": "Off topic"},
        headers=HTMX,
    )

    assert "What is wrong with it?" in form.content.decode()
    assert "Reported to staff. Thank you." in response.content.decode()
    report = CommentReport.objects.get()
    assert (report.comment, report.reason) == (comment, "Off topic")
    admin_list = staff_client.get(reverse("admin:discussion_commentreport_changelist"))
    assert "Off topic" in admin_list.content.decode()


def test_hiding_a_reported_comment_in_the_admin_settles_its_reports(
    reader_client: Client, grace_client: Client, staff_client: Client
):
    comment = post(grace_client, make_paper(), "Dubious.")
    reader_client.post(reverse("discussion:report", args=[comment.pk]))

    staff_client.post(
        reverse("admin:discussion_commentreport_changelist"),
        {
            "action": "hide_comments",
            "_selected_action": [CommentReport.objects.get().pk],
        },
    )

    assert Comment.objects.get().hidden_at is not None
    assert CommentReport.objects.get().resolved_at is not None


def test_staff_hide_and_block_from_the_admin(
    grace_client: Client, staff_client: Client
):
    comment = post(grace_client, make_paper(), "Spam.")
    changelist = reverse("admin:discussion_comment_changelist")

    staff_client.post(changelist, {"action": "hide", "_selected_action": [comment.pk]})
    staff_client.post(
        changelist, {"action": "block_authors", "_selected_action": [comment.pk]}
    )

    assert Comment.objects.get().hidden_at is not None
    block = CommentingBlock.objects.get()
    assert block.user == comment.author
    assert block.blocked_by == User.objects.get(username="mod")
