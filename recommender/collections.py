"""A reader's collections: named lists of papers, kept apart from feedback.

An entry is no like and a like no entry; only the one collection a reader
marks "Like also adds to" takes their new likes (`add_liked`, called by
`feedback.set_feedback`). Others read a shared collection, never change it:
every change here is the owner's, and the views fetch the collection with
`owner=` before calling in. Who may read what is `readable_collection`.
Every change of a collection's papers asks for its feed's refresh (nothing
while its feed is off).
"""

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from accounts.models import User
from papers.models import Paper
from recommender.models import Collection, CollectionEntry, new_share_token
from recommender.references import References, find_references
from recommender.tasks import request_collection_refresh

# What one click saves to when the reader has no collection yet.
FIRST_COLLECTION = "Reading list"


def collections_of(user: User) -> list[Collection]:
    """The reader's collections in their order, each with its `size`."""
    # An aggregate drops the model's ordering: it is asked for again.
    return list(
        Collection.objects.filter(owner=user)
        .annotate(size=Count("entries"))
        .order_by("position", "pk")
    )


def readable_collections(user: User) -> QuerySet[Collection]:
    """The collections `user` may open by their address: their own, and those
    shared with the readers of this Paperfeed. A link's collection is read by
    its token alone (`shared_collection`), never by its number."""
    if not user.is_authenticated:
        return Collection.objects.none()
    return Collection.objects.filter(owner=user) | Collection.objects.filter(
        visibility=Collection.SITE
    )


def shared_collection(token: str) -> Collection | None:
    """The collection a shared link opens, while it is shared by link."""
    return (
        Collection.objects.filter(share_token=token, visibility=Collection.LINK)
        .select_related("owner")
        .first()
    )


def create_collection(*, owner: User, name: str, description: str = "") -> Collection:
    """A new collection, last in the reader's order (names are unique per
    reader: the forms check, the database refuses)."""
    last = Collection.objects.filter(owner=owner).aggregate(last=Max("position"))
    position = 0 if last["last"] is None else last["last"] + 1
    return Collection.objects.create(
        owner=owner, name=name, description=description, position=position
    )


def collection_named(*, owner: User, name: str) -> Collection:
    """The reader's collection called `name`, created if they have none yet
    (a double click creates one)."""
    try:
        with transaction.atomic():
            found = Collection.objects.filter(owner=owner, name=name).first()
            return found or create_collection(owner=owner, name=name)
    except IntegrityError:
        return Collection.objects.get(owner=owner, name=name)


def save_collection(collection: Collection) -> None:
    """Save an edited collection. Turning "Like also adds to" on for it turns
    it off for the reader's other collection that had it."""
    with transaction.atomic():
        if collection.like_adds:
            Collection.objects.filter(
                owner=collection.owner_id, like_adds=True
            ).exclude(pk=collection.pk).update(like_adds=False)
        collection.save()


def revoke_link(collection: Collection) -> None:
    """A new secret for the shared address: the old link answers 404."""
    collection.share_token = new_share_token()
    collection.save(update_fields=["share_token", "updated_at"])


def add_paper(*, collection: Collection, paper: Paper) -> None:
    """Add `paper` (again changes nothing); the collection becomes the one a
    click on any card adds to."""
    with transaction.atomic():
        CollectionEntry.objects.bulk_create(
            [CollectionEntry(collection=collection, paper=paper)], ignore_conflicts=True
        )
        collection.used_at = timezone.now()
        collection.save(update_fields=["used_at"])
        request_collection_refresh(collection=collection)


def remove_paper(*, collection: Collection, paper: Paper) -> None:
    with transaction.atomic():
        CollectionEntry.objects.filter(collection=collection, paper=paper).delete()
        request_collection_refresh(collection=collection)


def add_liked(*, user: User, paper: Paper) -> None:
    """A new like also goes to the collection that asks for likes, if any:
    one look-up by the index of that flag and one insert at most."""
    collection = (
        Collection.objects.filter(owner=user, like_adds=True)
        .only("pk", "feed_enabled")
        .first()
    )
    if collection is not None:
        CollectionEntry.objects.bulk_create(
            [CollectionEntry(collection=collection, paper=paper)],
            ignore_conflicts=True,
        )
        request_collection_refresh(collection=collection)


def import_bibtex(*, collection: Collection, bibtex: str) -> References:
    """Add the catalogue's papers that a BibTeX file names (by arXiv id, else
    by title); the answer lists the entries not found."""
    found = find_references(bibtex=bibtex)
    with transaction.atomic():
        CollectionEntry.objects.bulk_create(
            [
                CollectionEntry(collection=collection, paper=paper)
                for paper in found.found
            ],
            ignore_conflicts=True,
        )
        request_collection_refresh(collection=collection)
    return found


def copy_collection(*, collection: Collection, owner: User) -> Collection:
    """A private copy of a collection the reader can read, with its papers
    and their order, under a name none of theirs has yet."""
    taken = set(Collection.objects.filter(owner=owner).values_list("name", flat=True))
    with transaction.atomic():
        copy = create_collection(
            owner=owner,
            name=_free_name(collection.name, taken),
            description=collection.description,
        )
        CollectionEntry.objects.bulk_create(
            CollectionEntry(collection=copy, paper_id=paper_id, added_at=added_at)
            for paper_id, added_at in collection.entries.values_list(
                "paper_id", "added_at"
            )
        )
    return copy


def _free_name(name: str, taken: set[str]) -> str:
    """`name`, or "name (2)", "name (3)"... the first the reader has not used."""
    free, number = name, 1
    longest = Collection._meta.get_field("name").max_length or len(name)
    while free in taken:
        number += 1
        suffix = f" ({number})"
        free = name[: longest - len(suffix)] + suffix
    return free


def move_collection(*, collection: Collection, step: int) -> None:
    """Move a collection `step` places up (negative) or down the reader's order."""
    ids = list(
        Collection.objects.filter(owner=collection.owner_id).values_list(
            "pk", flat=True
        )
    )
    index = ids.index(collection.pk)
    ids.insert(max(0, index + step), ids.pop(index))
    order_collections(owner_id=collection.owner_id, ids=ids)


def order_collections(*, owner_id: int, ids: Sequence[int]) -> None:
    """Put the reader's collections in the order of `ids` (as dragged); any
    of theirs missing from it keep their order after those named, and ids
    that are not theirs are ignored."""
    with transaction.atomic():
        mine = list(Collection.objects.select_for_update().filter(owner=owner_id))
        rank = {pk: i for i, pk in enumerate(dict.fromkeys(ids))}
        mine.sort(key=lambda c: (rank.get(c.pk, len(rank)), c.position, c.pk))
        for position, collection in enumerate(mine):
            collection.position = position
        Collection.objects.bulk_update(mine, ["position"])
