from django import template

from discussion.forms import CommentForm
from discussion.thread import Thread, thread_of
from papers.models import Paper

register = template.Library()


@register.simple_tag(takes_context=True)
def discussion_of(context: template.Context, paper: Paper) -> Thread:
    """The paper's discussion as the page's reader sees it."""
    return thread_of(paper, context["request"].user)


@register.simple_tag
def comment_form(paper: Paper) -> CommentForm:
    """An empty form for a new comment on `paper`."""
    return CommentForm(paper=paper)
