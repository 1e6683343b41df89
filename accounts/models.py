"""Readers, the records that protect their log-ins, and their private tokens."""

import secrets
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class User(AbstractUser):
    """A reader. Custom from the first migration so fields can be added later."""

    # Blank is allowed for accounts made with createsuperuser or the admin; the
    # sign-up form requires an address.
    email = models.EmailField("e-mail address", blank=True)
    # An IANA name such as "Europe/Paris": the reader's digest comes at their hour.
    time_zone = models.CharField(max_length=64, default="UTC")
    # From a sign-up until its address is confirmed (ACCOUNT_EMAIL_VERIFICATION).
    # Not the same as inactive: an account staff deactivated is inactive and
    # not awaiting, so no confirmation link can bring it back.
    awaiting_confirmation = models.BooleanField(default=False)

    class Meta(AbstractUser.Meta):
        constraints = [
            # Password resets look readers up by e-mail, case-insensitively, so an
            # address must identify one account. Enforced in the database so that
            # the admin and concurrent sign-ups cannot slip a duplicate in.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_message="A reader with that e-mail address "
                "already exists.",
            ),
        ]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


class LoginFailure(models.Model):
    """One failed log-in, kept for the throttling window.

    Stored in the database (not one process's memory or cache) so that every web
    process sees the same count. `username` is normalised (case-folded) so that
    "Ada" and "ada" count against the same account.
    """

    username = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The failing browser's device id when it had signed in to this account
    # before (accounts.throttling): its failures count apart from strangers'.
    device = models.CharField(max_length=32, blank=True)
    # Set by accounts.throttling from its clock rather than auto_now_add, so that
    # tests can move time.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["username", "created_at"], name="loginfailure_user_idx"
            ),
            models.Index(
                fields=["ip_address", "created_at"], name="loginfailure_ip_idx"
            ),
            # Pruning deletes by age alone.
            models.Index(fields=["created_at"], name="loginfailure_created_idx"),
        ]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{self.username} from {self.ip_address or 'unknown'} at {when}"


class FeedToken(models.Model):
    """The secret in a reader's private feed address. Regenerating it makes a
    new one, and the old address answers 404 from then on."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="feed_token"
    )
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"feed token of {self.user_id}"

    @classmethod
    def for_user(cls, user: User) -> "FeedToken":
        token = cls.objects.filter(user=user).first()
        return token or cls.regenerate(user)

    @classmethod
    def regenerate(cls, user: User) -> "FeedToken":
        token, _ = cls.objects.update_or_create(
            user=user, defaults={"key": secrets.token_urlsafe(32)}
        )
        return token


class MailRequest(models.Model):
    """One request that makes the site e-mail someone (sign-up, a new
    confirmation link, a password reset, an address change), kept for an hour
    so that accounts.throttling can limit them per client address and per
    recipient: nobody can flood an inbox or the outgoing mail server."""

    action = models.CharField(max_length=16)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Case-folded, so that "Ada@X" and "ada@x" count as one inbox.
    email = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["ip_address", "created_at"], name="mailrequest_ip_idx"
            ),
            models.Index(fields=["email", "created_at"], name="mailrequest_email_idx"),
            models.Index(fields=["created_at"], name="mailrequest_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} for {self.email} at {self.created_at:%Y-%m-%d %H:%M}"
