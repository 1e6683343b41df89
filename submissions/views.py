"""A reader submits a paper to the day's page, changes its note or withdraws
it; staff remove any. htmx gets the day's section back; a plain form post
goes back to the page with a message."""

import datetime as dt
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from papers.listing import parse_day
from submissions import services
from submissions.forms import NoteForm, SubmitForm
from submissions.models import Submission
from submissions.section import section_of
from web.http import HtmxRequest, safe_next_url

SECTION = "submissions/_day.html"


@require_POST
@login_required
def submit(request: HtmxRequest) -> HttpResponse:
    form = SubmitForm(request.POST)
    if not form.is_valid():
        error = _first_error(form)
        return _answer(request, services.submission_day(), form=form, error=error)
    arxiv_id = form.cleaned_data["paper"]
    try:
        submission = services.submit_paper(
            user=_reader(request),
            arxiv_id=arxiv_id,
            note=form.cleaned_data["note"],
        )
    except services.Refused as refusal:
        day = services.submission_day()
        return _answer(request, day, form=form, error=str(refusal))
    return _answer(request, submission.day, done=f"Submitted arXiv:{arxiv_id}.")


@require_POST
@login_required
def edit_note(request: HtmxRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(Submission, pk=pk)
    if not services.may_edit(_reader(request), submission):
        raise PermissionDenied("Only the reader who submitted a paper edits its note.")
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _answer(request, submission.day, error=_first_error(form))
    submission.note = form.cleaned_data["note"]
    submission.save(update_fields=["note"])
    return _answer(request, submission.day, done="Note saved.")


@require_POST
@login_required
def remove(request: HtmxRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(Submission, pk=pk)
    if not services.may_remove(_reader(request), submission):
        raise PermissionDenied("Only staff remove another reader's submission.")
    submission.delete()
    return _answer(
        request, submission.day, done=f"Removed arXiv:{submission.paper_id}."
    )


@require_GET
def day_section(request: HtmxRequest) -> HttpResponse:
    """The section again, while a reader's look-up is under way."""
    day = parse_day(request.GET.get("date"))
    if day is None:
        raise Http404("No such day.")
    return render(request, SECTION, {"section": section_of(day, request.user)})


def _first_error(form: NoteForm) -> str:
    # The forms hold a field or two: their first error says what to fix.
    return str(next(iter(form.errors.values()))[0])


def _reader(request: HtmxRequest) -> User:
    # Behind login_required: the request's user is a reader.
    return cast(User, request.user)


def _answer(
    request: HtmxRequest,
    day: dt.date | None,
    *,
    form: SubmitForm | None = None,
    error: str = "",
    done: str = "",
) -> HttpResponse:
    if request.htmx and day is not None:
        section = section_of(day, request.user, form=form, error=error, done=done)
        return render(request, SECTION, {"section": section})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    # A reader's day's page is their Latest tab (a visitor's is the home page).
    back = reverse("home") + (f"?tab=latest&date={day.isoformat()}" if day else "")
    return redirect(safe_next_url(request) or back)
