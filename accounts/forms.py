"""Sign-up and log-in forms: Django's auth forms plus e-mail and throttling."""

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    UserCreationForm,
)
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts import throttling
from accounts.models import FeedToken, User


class SignupForm(UserCreationForm[User]):
    """Username, e-mail and password twice, with Django's field names."""

    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="For resetting your password and, if you ask for it, a digest.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    # Filled by the page's script with the browser's zone, so that digests
    # come at the reader's hour from the start; UTC without JavaScript.
    time_zone = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-browser-time-zone": ""})
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "time_zone")

    def clean_time_zone(self) -> str:
        zone: str = self.cleaned_data.get("time_zone") or ""
        return zone if zone in available_timezones() else "UTC"

    def clean_username(self) -> str:
        # With confirmation by e-mail, a taken username is told to the inbox
        # named (accounts.registration), not to whoever fills in the form.
        if settings.ACCOUNT_EMAIL_VERIFICATION:
            return str(self.cleaned_data["username"])
        return super().clean_username()

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        # The database constraint is the last word; this check gives the message
        # a reader sees in the common, non-racing case. With confirmation by
        # e-mail the inbox is told instead (accounts.registration).
        if (
            not settings.ACCOUNT_EMAIL_VERIFICATION
            and User.objects.filter(email__iexact=email).exists()
        ):
            raise ValidationError(
                "A reader with that e-mail address already exists.", code="unique"
            )
        return email

    # With confirmation by e-mail, uniqueness is settled by accounts.registration
    # (which tells the inbox) and, last, by the database.
    def validate_unique(self) -> None:
        if not settings.ACCOUNT_EMAIL_VERIFICATION:
            super().validate_unique()

    def validate_constraints(self) -> None:
        if not settings.ACCOUNT_EMAIL_VERIFICATION:
            super().validate_constraints()


class LoginForm(AuthenticationForm):
    """Django's log-in form, slowed down per account, per client address and
    per known browser (accounts.throttling).

    The throttle lives here rather than in the view so that anything that
    authenticates through this form is protected.
    """

    @sensitive_variables()
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            # Field errors already explain this; no password is tested.
            return super().clean()

        ip_address, device = None, ""
        if self.request is not None:
            ip_address = throttling.client_ip(self.request)
            device = throttling.known_device(self.request, username)
        # Check before authenticate(): a delayed try's password is not even
        # tested, so guessing faster than the delays learns nothing.
        lockout = throttling.check_lockout(
            username=username, ip_address=ip_address, device=device
        )
        if lockout is not None:
            raise ValidationError(lockout.message(throttling.now()), code="locked_out")

        try:
            cleaned_data = super().clean()
        except ValidationError:
            # Only a wrong password is a failed guess: refusing the right one
            # (e.g. a reader who is not staff on the admin) must not lock them out.
            if self.user_cache is None:
                throttling.record_failure(
                    username=username, ip_address=ip_address, device=device
                )
            raise
        throttling.clear_failures(username=username)
        return cleaned_data


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's log-in form, behind the same throttle as the site's."""


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PasswordCheckedForm(forms.Form):
    """A form for a signed-in reader that asks for their password again, which
    counts as a log-in: a stolen session must not become a place to guess it
    freely."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(
        self, request: HttpRequest, user: User, *args: Any, **kwargs: Any
    ) -> None:
        self.request, self.user = request, user
        super().__init__(*args, **kwargs)

    @sensitive_variables("password")
    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        refusal = throttling.password_refusal(self.request, self.user, password)
        if refusal:
            raise ValidationError(refusal)
        return password


class ChangeEmailForm(PasswordCheckedForm):
    """A new address, and the password: a session alone cannot move an account."""

    email = forms.EmailField(
        label="New e-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ["email", "password"]

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if email.casefold() == self.user.email.casefold():
            raise ValidationError("That is your address already.")
        return email


class ChangePasswordForm(PasswordChangeForm):
    """Django's password change, whose old password counts as a log-in, as
    in PasswordCheckedForm."""

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    @sensitive_variables("old_password")
    def clean_old_password(self) -> str:
        old_password: str = self.cleaned_data["old_password"]
        refusal = throttling.password_refusal(self.request, self.user, old_password)
        if refusal:
            raise ValidationError(refusal, code="password_incorrect")
        return old_password


class ResetPasswordForm(SetPasswordForm[User]):
    """Setting a new password from an e-mailed link also lifts an account lock
    and gives the private feed a new address.

    The link proves the reader owns the account, so making them wait out a lock
    that someone else's guesses caused would only punish them. A reset is what
    a reader does after losing control of the account: whoever took it may
    have copied the feed address too.
    """

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=commit)
        throttling.clear_failures(username=user.get_username())
        FeedToken.regenerate(user)
        return user
