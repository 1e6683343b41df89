"""A visitor's like or "not interested", kept in their session while they log
in or sign up, then applied to their account (`user_logged_in`)."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from accounts.models import User
from papers.models import Paper
from recommender.feedback import FEEDBACK_BY_NAME, set_feedback

SESSION_KEY = "pending_feedback"


def keep_for_after_login(request: HttpRequest, paper: Paper, name: str) -> None:
    """Remember the judgement `name` of `paper` and tell the visitor why they
    are asked to log in. The session survives the log-in (Django keeps its
    data when it changes the key), so the judgement is applied then."""
    actions = {"like": "like", "not-interested": "mark as not interested"}
    if name not in actions:
        return
    request.session[SESSION_KEY] = {"paper": paper.pk, "value": name}
    action = actions[name]
    messages.info(
        request,
        f"Log in or sign up to {action} “{paper.title}”: it is applied as soon"
        " as you are in, and you come back to the paper.",
    )


def apply_after_login(
    sender: object, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    """The `user_logged_in` receiver: apply the judgement kept before log-in."""
    if request is None or not hasattr(request, "session"):
        return
    pending = request.session.pop(SESSION_KEY, None)
    if not isinstance(pending, dict):
        return
    paper_pk, name = pending.get("paper"), pending.get("value")
    if not isinstance(paper_pk, int) or name not in FEEDBACK_BY_NAME:
        return
    paper = Paper.objects.filter(pk=paper_pk).first()
    if paper is not None:
        set_feedback(user=user, paper=paper, value=FEEDBACK_BY_NAME[name])
