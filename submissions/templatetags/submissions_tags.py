import datetime as dt

from django import template

from submissions.section import Section, section_of

register = template.Library()


@register.simple_tag(takes_context=True)
def day_submissions(context: template.Context, day: dt.date) -> Section:
    """The "Submitted by readers" section of `day`'s page for the viewer."""
    return section_of(day, context["request"].user)
