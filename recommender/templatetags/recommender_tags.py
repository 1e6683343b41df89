from django import template

from papers.models import Paper

register = template.Library()


@register.simple_tag(takes_context=True)
def feedback_of(context: template.Context, paper: Paper) -> int | None:
    """The signed-in reader's judgement of `paper` (Feedback.LIKE,
    Feedback.NOT_INTERESTED or None), from the `reader` context processor."""
    reader = context.get("reader")
    return None if reader is None else reader.feedback.get(paper.pk)


@register.simple_tag(takes_context=True)
def follows_author(context: template.Context, name: str) -> bool:
    """Whether the signed-in reader follows the author printed `name`."""
    reader = context.get("reader")
    return reader is not None and name.lower() in reader.followed_authors


@register.filter
def magnitude(weight: float) -> str:
    """A term's weight as a bar's value on the interests chart: its size,
    written unlocalised for the `value` attribute."""
    return f"{abs(weight):.6f}"
