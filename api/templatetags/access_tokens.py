"""The settings page's section of access tokens, a tag so that the
recommender's settings view need not know of the API above it."""

from typing import Any

from django import template

from api.tokens import tokens_of
from api.views import TokenForm

register = template.Library()


@register.inclusion_tag("api/_tokens.html", takes_context=True)
def access_tokens(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    return {
        "user": request.user,
        "tokens": list(tokens_of(request.user)),
        "form": TokenForm(),
        "csrf_token": context.get("csrf_token"),
    }
