from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A reader. Custom from the first migration so fields can be added later."""

    email = models.EmailField("e-mail address", blank=True)


class LoginFailure(models.Model):
    """One failed log-in, kept for the throttling window.

    Stored in the database (not one process's memory or cache) so that every web
    process sees the same count.
    """

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address} at {self.created_at:%Y-%m-%d %H:%M}"
