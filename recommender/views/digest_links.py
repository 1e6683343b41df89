"""Where a digest's signed links lead: a page whose button likes the paper
or turns digests off, so that following a link (a mail scanner does)
changes nothing."""

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from recommender import digests, feedback


@require_http_methods(["GET", "POST"])
def digest_like(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user, paper = digests.read_like_token(token)
    except signing.SignatureExpired:
        return _bad_link(request, "This link has expired.")
    except (signing.BadSignature, LookupError):
        return _bad_link(request, "This link is not valid.")
    if request.method == "POST":
        feedback.like_papers(user=user, papers=[paper])
        return render(
            request, "recommender/digest_link.html", {"paper": paper, "done": True}
        )
    return render(request, "recommender/digest_link.html", {"paper": paper})


# Mail clients' one-click unsubscribe (RFC 8058) posts without our CSRF token;
# the signed token in the URL is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = digests.read_unsubscribe_token(token)
    except signing.SignatureExpired:
        return _bad_link(
            request, "This link has expired: turn digests off in your settings."
        )
    except (signing.BadSignature, LookupError):
        return _bad_link(request, "This link is not valid.")
    if request.method == "POST":
        digests.unsubscribe(user)
        return render(request, "recommender/digest_link.html", {"unsubscribed": True})
    return render(request, "recommender/digest_link.html", {"unsubscribe": True})


def _bad_link(request: HttpRequest, reason: str) -> HttpResponse:
    return render(
        request, "recommender/digest_link.html", {"error": reason}, status=400
    )
