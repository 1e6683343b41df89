"""Sign-up and its optional e-mail confirmation. Log-in, log-out and password
pages are Django's views (see urls.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import SignupForm
from accounts.models import User
from web.http import safe_next_url


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
        if settings.ACCOUNT_EMAIL_VERIFICATION:
            user = form.save(commit=False)
            user.is_active = False  # until the address is confirmed
            user.save()
            services.send_confirmation(request, user, next_url=safe_next_url(request))
            return render(request, "accounts/confirm_sent.html", {"email": user.email})
        user = form.save()
        return _welcome(request, user, after_signup_url(request))
    context = {"form": form, "next": safe_next_url(request)}
    return render(request, "accounts/signup.html", context)


def _welcome(request: HttpRequest, user: User, url: str) -> HttpResponse:
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    messages.success(request, f"Welcome to Paperfeed, {user.get_username()}.")
    return redirect(url)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the confirmation e-mail: a page whose button activates the
    account (a mail scanner following the link changes nothing)."""
    try:
        user, next_url = services.read_confirmation(token)
    except signing.SignatureExpired:
        return _bad_confirmation(request, "This link has expired: sign up again.")
    except (signing.BadSignature, User.DoesNotExist):
        return _bad_confirmation(request, "This link is not valid.")
    if request.method == "POST":
        user.is_active = True
        user.save(update_fields=["is_active"])
        url = resolve_url(settings.SIGNUP_REDIRECT_URL)
        if next_url:
            url = f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
        return _welcome(request, user, url)
    return render(request, "accounts/confirm_email.html", {"confirm_user": user})


def _bad_confirmation(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "accounts/confirm_email.html", {"error": reason}, status=400)
