from django import template

from papers.models import Paper

register = template.Library()


@register.simple_tag(takes_context=True)
def feedback_of(context: template.Context, paper: Paper) -> int | None:
    """The signed-in reader's judgement of `paper` (Feedback.LIKE,
    Feedback.NOT_INTERESTED or None), from the `reader` context processor."""
    reader = context.get("reader")
    return None if reader is None else reader.feedback.get(paper.pk)


@register.simple_tag
def bar_width(weight: float, scale: float) -> str:
    """A term's bar length on the interests chart, in chart units."""
    return f"{max(abs(weight) * scale, 1.0):.1f}"
