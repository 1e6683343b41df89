"""The settings page's access tokens: made (the token shown once) and revoked.
Plain Django views with the session and CSRF as usual: only the API itself
refuses sessions."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from api.models import SCOPES
from api.tokens import MAX_TOKENS, create_token, revoke_token, tokens_of
from recommender.views import ReaderRequest

SETTINGS_SECTION = "tokens"


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What uses it: a script, a reference manager."
    )
    scope = forms.ChoiceField(choices=SCOPES, widget=forms.RadioSelect, initial="read")


@require_POST
@login_required
def create(request: ReaderRequest) -> HttpResponse:
    """Make a token and show it, this once; a bad name shows the form again."""
    form = TokenForm(request.POST)
    if form.is_valid() and tokens_of(request.user).count() >= MAX_TOKENS:
        form.add_error(None, f"You have {MAX_TOKENS} tokens: revoke one first.")
    if not form.is_valid():
        return render(request, "api/token_new.html", {"form": form}, status=400)
    saved, token = create_token(
        user=request.user,
        name=form.cleaned_data["name"],
        scope=form.cleaned_data["scope"],
    )
    return render(request, "api/token_new.html", {"saved": saved, "token": token})


@require_POST
@login_required
def revoke(request: ReaderRequest, pk: int) -> HttpResponse:
    if revoke_token(user=request.user, pk=pk):
        messages.success(request, "Token revoked: it no longer works.")
    return redirect(reverse("recommender:settings") + f"#{SETTINGS_SECTION}")
