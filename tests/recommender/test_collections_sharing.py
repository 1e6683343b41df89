"""Who reads a collection: private to its owner, shared with the site's
readers, or with anyone by a revocable link; read-only to all but the owner,
who alone changes it. Exports and a BibTeX import."""

import csv
import io
import json
from typing import Any, cast

import bibtexparser
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from recommender import account_data
from recommender.models import Collection, CollectionEntry
from tests.factories import make_paper, make_user
from tests.html import titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_user(username="owner")


@pytest.fixture
def other_client():
    client = Client()
    client.force_login(make_user(username="other"))
    return client


def collection_of(owner, visibility=Collection.PRIVATE, **fields):
    fields.setdefault("name", "Journal club")
    collection = Collection.objects.create(owner=owner, visibility=visibility, **fields)
    CollectionEntry.objects.create(
        collection=collection, paper=make_paper(title="Shared paper")
    )
    return collection


def read_urls(collection):
    """Every address that shows a collection or its papers."""
    pk = collection.pk
    return [
        reverse("recommender:collection", args=[pk]),
        *(
            reverse("recommender:collection_export", args=[pk, fmt])
            for fmt in ("bib", "csv", "json")
        ),
    ]


def owner_posts(collection):
    """Every change only the owner may make, with what it would post."""
    pk = collection.pk
    paper = collection.entries.get().paper
    return [
        (
            reverse("recommender:collection_edit", args=[pk]),
            {"name": "Mine now", "visibility": "site"},
        ),
        (reverse("recommender:collection_delete", args=[pk]), {}),
        (reverse("recommender:collection_revoke", args=[pk]), {}),
        (reverse("recommender:collection_move", args=[pk]), {"step": "up"}),
        (reverse("recommender:collection_import", args=[pk]), {}),
        (reverse("recommender:collect", args=[paper.pk]), {"remove": pk}),
        (reverse("recommender:collect", args=[make_paper().pk]), {"add": pk}),
    ]


def test_nobody_but_the_owner_reads_a_private_collection(owner, other_client):
    collection = collection_of(owner)
    owner_client = Client()
    owner_client.force_login(owner)

    for url in read_urls(collection):
        assert owner_client.get(url).status_code == 200, url
        assert other_client.get(url).status_code == 404, url
        assert Client().get(url).status_code == 302, url  # to log in
    assert (
        other_client.post(
            reverse("recommender:collection_copy", args=[collection.pk])
        ).status_code
        == 404
    )
    assert (
        Client()
        .get(reverse("recommender:shared_collection", args=[collection.share_token]))
        .status_code
        == 404
    )


def test_nobody_but_the_owner_changes_a_collection(owner, other_client):
    for visibility in (Collection.PRIVATE, Collection.SITE, Collection.LINK):
        collection = collection_of(owner, visibility, name=visibility)
        token = collection.share_token

        for url, data in owner_posts(collection):
            assert other_client.post(url, data).status_code == 404, url

        collection.refresh_from_db()
        assert (collection.name, collection.visibility) == (visibility, visibility)
        assert collection.share_token == token
        assert list(collection.entries.values_list("paper__title", flat=True)) == [
            "Shared paper"
        ]


def test_readers_of_the_site_read_a_site_collection(owner, other_client):
    collection = collection_of(owner, Collection.SITE)

    page = other_client.get(collection.get_absolute_url())
    listing = other_client.get(reverse("recommender:collections"))

    assert titles(page) == ["Shared paper"]
    assert "Copy to your collections" in page.content.decode()
    assert "Edit, share or delete" not in page.content.decode()
    assert "Journal club" in listing.content.decode()
    assert Client().get(collection.get_absolute_url()).status_code == 302


def test_a_link_opens_the_collection_to_anyone_until_revoked(owner):
    collection = collection_of(owner, Collection.LINK)
    link = reverse("recommender:shared_collection", args=[collection.share_token])
    owner_client = Client()
    owner_client.force_login(owner)

    before = Client().get(link)
    export = Client().get(
        reverse("recommender:shared_export", args=[collection.share_token, "json"])
    )
    owner_client.post(reverse("recommender:collection_revoke", args=[collection.pk]))
    after = Client().get(link)

    assert titles(before) == ["Shared paper"]
    assert [row["title"] for row in json.loads(export.content)] == ["Shared paper"]
    assert after.status_code == 404
    collection.refresh_from_db()
    assert (
        Client()
        .get(reverse("recommender:shared_collection", args=[collection.share_token]))
        .status_code
        == 200
    )


def test_a_link_stops_working_when_the_collection_goes_private(owner):
    collection = collection_of(owner, Collection.LINK)
    link = reverse("recommender:shared_collection", args=[collection.share_token])
    collection.visibility = Collection.PRIVATE
    collection.save()

    assert Client().get(link).status_code == 404


def test_a_reader_copies_a_shared_collection_to_change_it(owner, other_client):
    collection = collection_of(owner, Collection.LINK, description="Week 2")

    response = other_client.post(
        reverse("recommender:shared_copy", args=[collection.share_token])
    )

    copy = Collection.objects.get(owner__username="other")
    assert response["Location"] == copy.get_absolute_url()
    assert (copy.name, copy.description, copy.visibility) == (
        "Journal club",
        "Week 2",
        Collection.PRIVATE,
    )
    assert titles(other_client.get(copy.get_absolute_url())) == ["Shared paper"]
    assert collection.entries.count() == 1


def test_a_copy_takes_a_name_the_reader_has_not_used(owner, other_client):
    collection = collection_of(owner, Collection.SITE)
    Collection.objects.create(owner=make_user(), name="unrelated")
    for _ in range(2):
        other_client.post(reverse("recommender:collection_copy", args=[collection.pk]))

    names = Collection.objects.filter(owner__username="other").values_list(
        "name", flat=True
    )
    assert sorted(names) == ["Journal club", "Journal club (2)"]


def test_exports_write_the_collections_papers_as_the_library_does(
    reader_client, reader
):
    collection = Collection.objects.create(owner=reader, name="Thesis: diffusion")
    CollectionEntry.objects.create(
        collection=collection,
        paper=make_paper(title="Score matching", arxiv_id="2501.00042"),
    )
    Collection.objects.create(owner=reader, name="Other")

    def get(fmt):
        return reader_client.get(
            reverse("recommender:collection_export", args=[collection.pk, fmt])
        )

    bib = bibtexparser.parse_string(get("bib").content.decode())
    rows = list(csv.DictReader(io.StringIO(get("csv").content.decode())))
    records = json.loads(get("json").content)

    assert [entry["eprint"] for entry in bib.entries] == ["2501.00042"]
    assert [(row["title"], bool(row["added_at"])) for row in rows] == [
        ("Score matching", True)
    ]
    assert records[0]["arxiv_id"] == "2501.00042"
    assert "paperfeed-thesis-diffusion-" in get("csv")["Content-Disposition"]


def test_a_bibtex_file_is_imported_into_a_collection(reader_client, reader):
    collection = Collection.objects.create(owner=reader, name="Thesis")
    make_paper(arxiv_id="2501.00042", title="By id")
    make_paper(title="Found By Title")
    bibtex = (
        "@misc{a, title={Anything}, eprint={2501.00042}, archivePrefix={arXiv}}\n"
        "@article{b, title={Found by title}}\n"
        "@article{c, title={Not in the catalogue}}\n"
    )

    response = reader_client.post(
        reverse("recommender:collection_import", args=[collection.pk]),
        {"bibtex": SimpleUploadedFile("refs.bib", bibtex.encode())},
        follow=True,
    )

    assert set(collection.entries.values_list("paper__title", flat=True)) == {
        "By id",
        "Found By Title",
    }
    page = response.content.decode()
    assert "2 papers of the file found." in page
    assert "Not in the catalogue" in page


def test_the_account_export_holds_collections_and_deletion_removes_them(reader):
    collection = Collection.objects.create(
        owner=reader, name="Reading list", visibility=Collection.LINK
    )
    CollectionEntry.objects.create(
        collection=collection, paper=make_paper(arxiv_id="2501.00007")
    )

    exported = cast(
        list[dict[str, Any]], account_data.export_reader(user=reader)["collections"]
    )
    account_data.delete_reader(user=reader)

    assert [(c["name"], c["visibility"]) for c in exported] == [
        ("Reading list", "link")
    ]
    assert [p["arxiv_id"] for p in exported[0]["papers"]] == ["2501.00007"]
    assert not Collection.objects.exists()
    assert not CollectionEntry.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "collections",
        "collection_create",
        "collection_order",
    ],
)
def test_the_pages_of_collections_need_a_reader(name):
    response = Client().get(reverse(f"recommender:{name}"))

    assert response.status_code in (302, 405)


def test_changes_reject_get(reader_client, reader):
    collection = collection_of(reader)

    for url, _ in owner_posts(collection):
        assert reader_client.get(url).status_code == 405, url
