"""A collection's feed turned on and off, and its section in digests: what
the owner sets on the collection's feed page."""

from django.db import transaction

from recommender.models import Collection
from recommender.tasks import request_collection_refresh


def save_feed_settings(
    *, collection: Collection, feed_enabled: bool, in_digest: bool
) -> None:
    """Save the two switches; a feed turned on is built on a worker (its
    papers may have changed while it was off, so it is rebuilt whole)."""
    with transaction.atomic():
        # What is stored, not the instance a form may have changed already.
        was_on = (
            Collection.objects.select_for_update()
            .values_list("feed_enabled", flat=True)
            .get(pk=collection.pk)
        )
        collection.feed_enabled = feed_enabled
        collection.in_digest = in_digest
        collection.save(update_fields=["feed_enabled", "in_digest", "updated_at"])
        if feed_enabled and not was_on:
            request_collection_refresh(collection=collection)
