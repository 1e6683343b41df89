"""Who may do what to a submission, checked on every endpoint with two
readers: its reader edits the note and withdraws it, staff remove any (on
the day's page and in the admin), another reader does neither, a visitor
nothing, and no endpoint changes anything on GET."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from papers.models import Paper
from submissions.models import Submission
from tests.submissions.pages import DAY, day_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(reader: User, paper: Paper) -> Submission:
    return Submission.objects.create(day=DAY, paper=paper, user=reader, note="Mine")


def _remove(client: Client, submission: Submission, *, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse("submissions:remove", args=[submission.pk])
    return client.post(url, headers=headers)


def _edit(client: Client, submission: Submission, note: str):
    url = reverse("submissions:edit_note", args=[submission.pk])
    return client.post(url, {"note": note}, headers={"HX-Request": "true"})


def test_its_reader_withdraws_it(reader_client: Client, submission: Submission):
    page = day_page(reader_client)

    response = _remove(reader_client, submission, htmx=True)

    assert ">Withdraw</button>" in page
    assert f"Removed arXiv:{submission.paper_id}." in response.text
    assert not Submission.objects.exists()


def test_its_reader_edits_the_note(reader_client: Client, submission: Submission):
    response = _edit(reader_client, submission, "Changed my  mind\n")

    submission.refresh_from_db()
    assert submission.note == "Changed my mind"
    assert "Note saved." in response.text
    assert "Changed my mind" in response.text


def test_another_reader_can_neither_remove_nor_edit(
    other_client: Client, submission: Submission
):
    page = day_page(other_client)

    removed = _remove(other_client, submission)
    edited = _edit(other_client, submission, "Not yours")

    assert "Submitted by <strong>ada</strong>" in page
    assert "Withdraw" not in page
    assert ">Remove</button>" not in page
    assert "Edit note" not in page
    assert removed.status_code == 403
    assert edited.status_code == 403
    submission.refresh_from_db()
    assert submission.note == "Mine"


def test_staff_remove_it_from_the_days_page(
    staff_client: Client, submission: Submission
):
    page = day_page(staff_client)

    response = _remove(staff_client, submission)

    assert ">Remove</button>" in page
    assert response.status_code == 302
    assert not Submission.objects.exists()
    assert f"Removed arXiv:{submission.paper_id}." in day_page(staff_client)


def test_staff_do_not_rewrite_a_readers_note(
    staff_client: Client, submission: Submission
):
    page = day_page(staff_client)

    response = _edit(staff_client, submission, "Edited by staff")

    assert "Edit note" not in page
    assert response.status_code == 403


def test_staff_remove_it_in_the_admin(staff_client: Client, submission: Submission):
    listed = staff_client.get(reverse("admin:submissions_submission_changelist"))
    url = reverse("admin:submissions_submission_delete", args=[submission.pk])

    response = staff_client.post(url, {"post": "yes"})

    assert submission.paper_id in listed.text
    assert response.status_code == 302
    assert not Submission.objects.exists()


def test_the_admin_shows_a_submission_whose_paper_is_on_its_way(
    staff_client: Client, reader: User
):
    pending = Submission.objects.create(day=DAY, paper_id="1605.08386", user=reader)

    listed = staff_client.get(reverse("admin:submissions_submission_changelist"))
    change = staff_client.get(
        reverse("admin:submissions_submission_change", args=[pending.pk])
    )

    assert "1605.08386" in listed.text
    assert change.status_code == 200


def test_a_reader_is_not_staff_in_the_admin(
    reader_client: Client, submission: Submission
):
    url = reverse("admin:submissions_submission_delete", args=[submission.pk])

    response = reader_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Submission.objects.exists()


def test_a_visitor_changes_nothing(client: Client, submission: Submission):
    for url in (
        reverse("submissions:submit"),
        reverse("submissions:remove", args=[submission.pk]),
        reverse("submissions:edit_note", args=[submission.pk]),
    ):
        response = client.post(url, {"paper": "2501.01234", "note": "x"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    submission.refresh_from_db()
    assert submission.note == "Mine"
    assert Submission.objects.count() == 1


def test_no_endpoint_changes_anything_on_get(
    reader_client: Client, submission: Submission
):
    for url in (
        reverse("submissions:submit"),
        reverse("submissions:remove", args=[submission.pk]),
        reverse("submissions:edit_note", args=[submission.pk]),
    ):
        assert reader_client.get(url).status_code == 405, url
    assert Submission.objects.count() == 1


def test_a_missing_submission_is_not_found(reader_client: Client):
    url = reverse("submissions:remove", args=[999])

    assert reader_client.post(url).status_code == 404
