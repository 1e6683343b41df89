"""A reader's private Atom feeds, of their For-you list and of each of their
collections' feeds, at addresses holding a secret token instead of a
session: feed readers cannot log in."""

import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.models import FeedToken, User
from papers import maths
from papers.records import xml_safe
from recommender.collection_feed import collection_items, feed_collections
from recommender.feed import for_you_items
from recommender.models import Collection, CollectionFeedItem, FeedItem

Item = FeedItem | CollectionFeedItem


def reader_of(token: str) -> User:
    """The active reader whose feed token is `token`, or 404."""
    found = (
        FeedToken.objects.select_related("user")
        .filter(key=token, user__is_active=True)
        .first()
    )
    if found is None:
        raise Http404("No such feed.")
    return found.user


class ForYouFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, token: str) -> User:
        return reader_of(token)

    def title(self, obj: User) -> str:
        return f"Paperfeed: new papers for {obj.username}"

    def subtitle(self, obj: User) -> str:
        return "Your For-you list: the newest papers ranked for you, best first."

    def link(self, obj: User) -> str:
        return reverse("home")

    def items(self, obj: User) -> QuerySet[FeedItem]:
        return for_you_items(user=obj).order_by("-day", "-score", "paper_id")[
            : settings.PAPERFEED_ATOM_SIZE
        ]

    # Every text goes through xml_safe: what ingestion cleans may still be
    # stored by other means (the admin, an older version), and one control
    # character would make the whole feed unreadable.

    def item_title(self, item: Item) -> str:
        return xml_safe(item.paper.title)

    def item_description(self, item: Item) -> str:
        # Atom's summary is marked type="html": feed readers render it, so the
        # plain text is escaped into HTML here, its maths as MathML (and the
        # feed escapes it all as XML).
        why = item.why_text()
        preview = maths.render(item.paper.abstract_preview)
        abstract = format_html("<p>{}</p>", mark_safe(preview))  # noqa: S308
        html = format_html("<p>Why: {}.</p>{}", why, abstract) if why else abstract
        return xml_safe(html)

    def item_link(self, item: Item) -> str:
        return item.paper.get_absolute_url()

    def item_guid(self, item: Item) -> str:
        return item.paper.abs_url

    def item_guid_is_permalink(self, item: Item) -> bool:
        return False

    def item_pubdate(self, item: Item) -> dt.datetime:
        return dt.datetime.combine(item.day, dt.time(), tzinfo=dt.UTC)

    def item_author_name(self, item: Item) -> str:
        authors = item.paper.authors
        more = " and others" if len(authors) > 3 else ""
        return xml_safe(", ".join(authors[:3]) + more)


class CollectionAtomFeed(ForYouFeed):
    """The feed of one of the reader's collections whose feed is on; 404 for
    anyone else's collection, whatever it shares."""

    def get_object(  # type: ignore[override]
        self, request: HttpRequest, token: str, pk: int
    ) -> Collection:
        collection = feed_collections(reader_of(token)).filter(pk=pk).first()
        if collection is None:
            raise Http404("No such feed.")
        return collection

    def title(self, obj: Collection) -> str:  # type: ignore[override]
        return f"Paperfeed: more like {obj.name}"

    def subtitle(self, obj: Collection) -> str:  # type: ignore[override]
        return f"The newest papers most like those of “{obj.name}”, best first."

    def link(self, obj: Collection) -> str:  # type: ignore[override]
        return f"{reverse('home')}?tab=collection-{obj.pk}"

    def items(  # type: ignore[override]
        self, obj: Collection
    ) -> QuerySet[CollectionFeedItem]:
        return collection_items(collection=obj).order_by("-day", "-score", "paper_id")[
            : settings.PAPERFEED_ATOM_SIZE
        ]
