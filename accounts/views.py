"""Sign-up and its e-mail confirmation, changing the e-mail address, and
Django's log-in and password-reset views with our throttles (see urls.py)."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import email_change, mail, registration, throttling
from accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ResendConfirmationForm,
    SignupForm,
)
from accounts.models import User
from web.http import safe_next_url

MAIL_FAILED = (
    "We could not send the e-mail just now, so nothing was saved. "
    "Please try again in a few minutes."
)


@login_not_required
@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method == "POST":
        registration.forget_expired(
            username=request.POST.get("username", ""),
            email=request.POST.get("email", ""),
        )
    form = SignupForm(request.POST if request.method == "POST" else None)
    next_url = safe_next_url(request)
    if form.is_valid():
        if not settings.ACCOUNT_EMAIL_VERIFICATION:
            return _welcome(request, form.save(), registration.onboarding_url(next_url))
        try:
            outcome = registration.register(
                request, form.save(commit=False), next_url=next_url
            )
        except mail.MailFailed:
            form.add_error(None, MAIL_FAILED)
        else:
            if outcome.refusal:
                form.add_error(None, outcome.refusal)
                return _form(request, "accounts/signup.html", form, status=429)
            return render(
                request, "accounts/confirm_sent.html", {"email": outcome.email}
            )
    return _form(request, "accounts/signup.html", form, next=next_url)


def _form(
    request: HttpRequest,
    template: str,
    form: Any,
    *,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    return render(request, template, {"form": form, **context}, status=status)


def _welcome(request: HttpRequest, user: User, url: str) -> HttpResponse:
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    messages.success(request, f"Welcome to Paperfeed, {user.get_username()}.")
    response = redirect(url)
    throttling.remember_device(request, response, user.get_username())
    return response


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the confirmation e-mail: a page whose button activates the
    account (a mail scanner following the link changes nothing)."""
    try:
        user, next_url = registration.read_confirmation(token)
    except signing.SignatureExpired:
        return _bad_link(request, "This link has expired: ask for a new one.")
    except (signing.BadSignature, User.DoesNotExist):
        return _bad_link(
            request, "This link is not valid: it was used already, or it is not ours."
        )
    if request.method == "POST":
        registration.confirm(user)
        return _welcome(request, user, registration.onboarding_url(next_url))
    return render(request, "accounts/confirm_email.html", {"confirm_user": user})


def _bad_link(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "accounts/confirm_email.html", {"error": reason}, status=400)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    """A new confirmation link; the answer never says whether one was sent."""
    form = ResendConfirmationForm(request.POST or None)
    if form.is_valid():
        try:
            outcome = registration.resend(request, form.cleaned_data["email"])
        except mail.MailFailed:
            form.add_error(None, MAIL_FAILED)
        else:
            if outcome.refusal:
                form.add_error(None, outcome.refusal)
                return _form(request, "accounts/resend.html", form, status=429)
            return render(
                request, "accounts/confirm_sent.html", {"email": outcome.email}
            )
    return _form(request, "accounts/resend.html", form)


@login_required
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def change_email(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    form = ChangeEmailForm(request, user, request.POST or None)
    if form.is_valid():
        new_email = form.cleaned_data["email"]
        try:
            refusal = email_change.request_change(request, user, new_email)
        except mail.MailFailed:
            form.add_error(None, MAIL_FAILED)
        else:
            if refusal:
                form.add_error(None, refusal)
                return _form(request, "accounts/change_email.html", form, status=429)
            return render(
                request, "accounts/change_email_sent.html", {"email": new_email}
            )
    return _form(request, "accounts/change_email.html", form)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email_change(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to the new address: a page whose button makes the change."""
    try:
        user, new_email = email_change.read_change(token)
        if request.method == "POST":
            email_change.apply_change(user, new_email)
            messages.success(request, f"Your e-mail address is now {new_email}.")
            return redirect("recommender:settings" if request.user == user else "home")
    except email_change.LinkInvalid as error:
        context = {"error": str(error)}
        return render(
            request, "accounts/change_email_confirm.html", context, status=400
        )
    return render(
        request,
        "accounts/change_email_confirm.html",
        {"change_user": user, "new_email": new_email},
    )


class LoginView(auth_views.LoginView):
    """Django's log-in, which also marks the browser as one the reader signs in
    with (accounts.throttling): strangers' failures do not slow it down."""

    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        throttling.remember_device(
            self.request, response, form.get_user().get_username()
        )
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change with ChangePasswordForm, which needs the request
    for its throttle."""

    form_class = ChangePasswordForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per client address (refused with a
    message) and per inbox (quietly not sent: the page is the same whether or
    not the address has an account)."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        verdict = throttling.mail_allowed(
            "reset", request=self.request, email=form.cleaned_data["email"]
        )
        if verdict.refusal:
            form.add_error(None, verdict.refusal)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not verdict.send:
            return redirect(self.get_success_url())
        return super().form_valid(form)
