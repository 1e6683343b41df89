"""A reader's settings and account: e-mail, time zone, digests, followed
topics, the private feed address, exporting all their data and deleting the
account."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import FeedToken
from papers.models import Topic
from recommender import account_data, digests
from recommender.forms import AccountForm, DeleteAccountForm, DigestForm
from recommender.models import DigestSettings
from recommender.views import ReaderRequest
from web.http import download


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: ReaderRequest) -> HttpResponse:
    user = request.user
    digest = digests.settings_of(user)
    account_form = AccountForm(request.POST or None, instance=user, prefix="account")
    digest_form = DigestForm(request.POST or None, instance=digest, prefix="digest")
    if request.method == "POST" and account_form.is_valid() and digest_form.is_valid():
        wants_mail = digest_form.cleaned_data["frequency"] != DigestSettings.OFF
        if wants_mail and not user.email:
            digest_form.add_error("frequency", "A digest needs an e-mail address.")
        else:
            account_form.save()
            digest_form.save()
            digests.reschedule(user)
            messages.success(request, "Settings saved.")
            return redirect("recommender:settings")
    token = FeedToken.for_user(user)
    context = {
        "account_form": account_form,
        "digest_form": digest_form,
        "digest": digest,
        "next_digest": digest.next_at,
        "feed_url": request.build_absolute_uri(
            reverse("recommender:atom_feed", args=[token.key])
        ),
        "followed": Topic.objects.filter(followers__user=user).order_by("code"),
        "followed_authors": user.followed_authors.all(),
        "delete_form": DeleteAccountForm(request, user),
    }
    return render(request, "recommender/settings.html", context)


@login_required
@require_POST
def regenerate_feed_token(request: ReaderRequest) -> HttpResponse:
    FeedToken.regenerate(request.user)
    messages.success(
        request, "Your feed has a new address; the old one no longer works."
    )
    return redirect(reverse("recommender:settings") + "#feed")


@login_required
@require_GET
def export_account(request: ReaderRequest) -> HttpResponse:
    data = account_data.export_reader(user=request.user)
    return download(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        "application/json",
        "json",
        stem=f"paperfeed-{request.user.username}",
    )


@login_required
@sensitive_post_parameters("password")
@require_POST
def delete_account(request: ReaderRequest) -> HttpResponse:
    user = request.user
    form = DeleteAccountForm(request, user, request.POST)
    if not form.is_valid():
        reason = " ".join(str(error) for error in form.errors.get("password", []))
        messages.error(request, f"Your account was not deleted. {reason}")
        return redirect(reverse("recommender:settings") + "#delete")
    logout(request)
    account_data.delete_reader(user=user)
    messages.success(request, "Your account and everything it held are deleted.")
    return redirect("home")
