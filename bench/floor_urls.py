"""The site's addresses and floor (a) (bench/floors.py): what a page of a
reader's stored feed costs at the least, one indexed query for the reader's
best items of a day with their papers' text and no template, the text
repeated up to the byte size of the For-you page it stands for."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from bench.floors import FLOOR_PATH
from recommender.models import FeedItem

handler500 = "config.views.server_error"


def floor(request: HttpRequest) -> HttpResponse:
    """?user=<id>&day=<YYYY-MM-DD>&bytes=<n>: the reader's best page of items
    of the day by the feed's own index (user, day, -score), with their papers'
    ids, titles and abstracts, `bytes` bytes long."""
    rows = FeedItem.objects.filter(
        user_id=int(request.GET["user"]), day=request.GET["day"]
    ).order_by("-score")[: settings.PAPERFEED_PAGE_SIZE]
    text = "\n".join(
        f"{arxiv_id}\n{title}\n{abstract}"
        for arxiv_id, title, abstract in rows.values_list(
            "paper__arxiv_id", "paper__title", "paper__abstract"
        )
    ).encode()
    size = int(request.GET["bytes"])
    body = (text * (size // max(len(text), 1) + 1))[:size]
    return HttpResponse(body, content_type="text/html; charset=utf-8")


urlpatterns = [
    path(FLOOR_PATH.lstrip("/"), floor),
    path("", include("config.urls")),
]
