from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from accounts.forms import AdminLoginForm
from accounts.models import LoginFailure, User

# Otherwise /admin/login/ would be an unthrottled way to guess passwords.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class ReaderAdmin(UserAdmin[User]):
    # Django's add form asks only for a username and password; readers need an
    # e-mail address to reset their password.
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin[LoginFailure]):
    """Failures are evidence, so read-only; deleting an account's rows unlocks it."""

    list_display = ["username", "ip_address", "created_at"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    readonly_fields = ["username", "ip_address", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: LoginFailure | None = None
    ) -> bool:
        return False
