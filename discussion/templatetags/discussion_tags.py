from django import template

from discussion.forms import CommentForm
from discussion.models import Comment
from discussion.thread import Thread, thread_of
from papers.models import Paper

register = template.Library()


@register.simple_tag(takes_context=True)
def discussion_of(context: template.Context, paper: Paper) -> Thread:
    """The paper's discussion as the page's reader sees it."""
    return thread_of(paper, context["request"].user)


@register.simple_tag
def comment_form(paper: Paper, parent: Comment | None = None) -> CommentForm:
    """An empty form for a new comment on `paper`, or a reply to `parent`."""
    return CommentForm(paper=paper, parent=parent)
