"""Sign-up. Log-in, log-out and password pages are Django's views (see urls.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.forms import SignupForm


def safe_next_url(request: HttpRequest) -> str:
    """The `next` parameter if it points back into this site, else ""."""
    next_url = request.POST.get(
        REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, "")
    )
    is_safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return next_url if is_safe else ""


def after_signup_url(request: HttpRequest) -> str:
    """Where a new reader lands: SIGNUP_REDIRECT_URL (onboarding), which then
    sends them on to where they were going."""
    url = resolve_url(settings.SIGNUP_REDIRECT_URL)
    next_url = safe_next_url(request)
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


@login_not_required
@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        user = form.save()
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, f"Welcome to Paperfeed, {user.get_username()}.")
        return redirect(after_signup_url(request))
    context = {"form": form, "next": safe_next_url(request)}
    return render(request, "accounts/signup.html", context)
