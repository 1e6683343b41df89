"""Sign-up and log-in forms: Django's auth forms plus e-mail and throttling."""

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import (
    AuthenticationForm,
    SetPasswordForm,
    UserCreationForm,
)
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from accounts import services
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

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        # The database constraint is the last word; this check gives the message
        # a reader sees in the common, non-racing case.
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "A reader with that e-mail address already exists.", code="unique"
            )
        return email


class LoginForm(AuthenticationForm):
    """Django's log-in form, throttled per account and per client address.

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

        ip_address = (
            services.client_ip(self.request) if self.request is not None else None
        )
        # Check before authenticate(): a locked account's password is not even
        # tried, so guessing during a lock-out learns nothing.
        lockout = services.check_lockout(username=username, ip_address=ip_address)
        if lockout is not None:
            raise ValidationError(lockout.message(services.now()), code="locked_out")

        try:
            cleaned_data = super().clean()
        except ValidationError:
            # Only a wrong password is a failed guess: refusing the right one
            # (e.g. a reader who is not staff on the admin) must not lock them out.
            if self.user_cache is None:
                services.record_failure(username=username, ip_address=ip_address)
            raise
        services.clear_failures(username=username)
        return cleaned_data


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's log-in form, behind the same throttle as the site's."""


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
        services.clear_failures(username=user.get_username())
        FeedToken.regenerate(user)
        return user
