"""A paper's discussion: posting, replying, editing and deleting one's own
comments, following, reporting, and staff's hide and block buttons. With
htmx each answer is the discussion anew (or the form with its error); without
JavaScript each form posts and comes back to the comment on the paper's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from accounts.models import User
from discussion import following, moderation
from discussion.forms import CommentForm
from discussion.models import Comment
from discussion.posting import (
    Refused,
    check_own,
    delete_comment,
    edit_comment,
    post_comment,
)
from discussion.thread import thread_of
from papers.models import Paper
from web.http import HtmxRequest

FRAGMENTS = "discussion/_discussion.html"


class ReaderRequest(HtmxRequest):
    """A signed-in reader's request (the views say so with login_required)."""

    user: User


def _discussion(request: ReaderRequest, paper: Paper, anchor: str) -> HttpResponse:
    """The discussion anew for htmx; the paper's page at `anchor` otherwise."""
    if not request.htmx:
        return redirect(f"{paper.get_absolute_url()}#{anchor}")
    context = {"paper": paper, "thread": thread_of(paper, request.user)}
    return render(request, f"{FRAGMENTS}#discussion", context)


def _form(request: ReaderRequest, form: CommentForm, status: int = 200) -> HttpResponse:
    """A comment form, with its text and what was wrong: in place for htmx,
    else on a page of its own (with a refusal's status). A forbidden change
    gets no form back."""
    if status == 403:
        return HttpResponse(form.error, status=403)
    if not request.htmx:
        form.plain = True
        return render(request, "discussion/write.html", {"form": form}, status=status)
    response = render(request, f"{FRAGMENTS}#comment-form", {"form": form})
    if not form.error:
        return response
    # htmx swaps only successful answers: the refusal comes as one, in place.
    return reswap(retarget(response, f"#{form.id}"), "outerHTML")


@require_POST
@login_required
def post(request: ReaderRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    parent = None
    if request.POST.get("parent"):
        parent = get_object_or_404(Comment, pk=request.POST["parent"], paper=paper)
    body = request.POST.get("body", "")
    try:
        comment = post_comment(user=request.user, paper=paper, body=body, parent=parent)
    except Refused as refused:
        form = CommentForm(paper=paper, parent=parent, text=body, error=refused.message)
        return _form(request, form, refused.status)
    return _discussion(request, paper, f"comment-{comment.pk}")


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: ReaderRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    body = request.POST.get("body", comment.body)
    form = CommentForm(paper=comment.paper, comment=comment, text=body)
    try:
        if request.method == "GET":
            check_own(request.user, comment)
            return _form(request, form)
        edit_comment(user=request.user, comment=comment, body=body)
    except Refused as refused:
        form.error = refused.message
        return _form(request, form, refused.status)
    return _discussion(request, comment.paper, f"comment-{comment.pk}")


@require_POST
@login_required
def delete(request: ReaderRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    try:
        delete_comment(user=request.user, comment=comment)
    except Refused as refused:
        return HttpResponse(refused.message, status=refused.status)
    return _discussion(request, comment.paper, "discussion")


@require_GET
@login_required
def reply(request: ReaderRequest, pk: int) -> HttpResponse:
    """The form answering a comment: under it with htmx, else on its own page."""
    parent = get_object_or_404(Comment.objects.select_related("paper", "author"), pk=pk)
    return _form(request, CommentForm(paper=parent.paper, parent=parent))


@require_http_methods(["GET", "POST"])
@login_required
def report(request: ReaderRequest, pk: int) -> HttpResponse:
    """Tell staff about a comment: the form (in place with htmx), then thanks."""
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    if request.method == "GET":
        template = (
            f"{FRAGMENTS}#report-form" if request.htmx else "discussion/report.html"
        )
        return render(request, template, {"comment": comment})
    moderation.report(
        reader=request.user, comment=comment, reason=request.POST.get("reason", "")
    )
    if request.htmx:
        return render(request, f"{FRAGMENTS}#reported", {"comment": comment})
    messages.success(request, "Reported to staff. Thank you.")
    return redirect(comment.get_absolute_url())


@require_POST
@login_required
def hide(request: ReaderRequest, pk: int) -> HttpResponse:
    """Staff hide a comment from readers, or show it again."""
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    moderation.set_hidden(
        staff=request.user,
        comments=Comment.objects.filter(pk=pk),
        hidden=request.POST.get("value") != "show",
    )
    return _discussion(request, comment.paper, f"comment-{comment.pk}")


@require_POST
@login_required
def block_author(request: ReaderRequest, pk: int) -> HttpResponse:
    """Staff stop a comment's author from commenting (undone in the admin)."""
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    moderation.block(
        staff=request.user, user=comment.author, reason=f"for comment {comment.pk}"
    )
    if not request.htmx:
        messages.success(request, f"{comment.author} can no longer comment.")
    return _discussion(request, comment.paper, f"comment-{comment.pk}")


@require_POST
@login_required
def follow(request: ReaderRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    if request.POST.get("value") == "unfollow":
        following.unfollow(user=request.user, paper=paper)
    else:
        following.follow(user=request.user, paper=paper)
    return _discussion(request, paper, "discussion")


@require_POST
@login_required
def mark_read(request: ReaderRequest) -> HttpResponse:
    """New comments seen: of one paper (`paper`), or of every discussion."""
    paper = None
    if request.POST.get("paper"):
        paper = get_object_or_404(Paper, pk=request.POST["paper"])
    following.mark_read(user=request.user, paper=paper)
    if paper is not None:
        return _discussion(request, paper, "discussion")
    return HttpResponseRedirect(reverse("discussion:replies"))


@require_GET
@login_required
def replies(request: ReaderRequest) -> HttpResponse:
    """What is new in the discussions the reader follows, newest first."""
    new = following.new_for(request.user).select_related("paper", "author")
    context = {"comments": new.order_by("-created_at")[: following.PAGE_REPLIES]}
    return render(request, "discussion/replies.html", context)
