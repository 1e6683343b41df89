"""Accounts URLs: Django's auth views with our forms, templates and throttles,
plus sign-up and the e-mail address."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, path, reverse_lazy

from accounts import views
from accounts.forms import LoginForm, ResetPasswordForm

app_name = "accounts"

urlpatterns: list[URLPattern] = [
    path("signup/", views.signup, name="signup"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("confirm/", views.resend_confirmation, name="resend_confirmation"),
    path("email/", views.change_email, name="change_email"),
    path("email/<str:token>/", views.confirm_email_change, name="confirm_email_change"),
    path("login/", views.LoginView.as_view(form_class=LoginForm), name="login"),
    # POST only (Django's LogoutView answers GET with 405): a link or an <img>
    # on another site must not be able to log a reader out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
            extra_email_context={
                "valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
            },
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=ResetPasswordForm,
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
