"""A reader's collections: kept from cards and the paper page, named,
described, ordered and deleted; apart from likes unless asked."""

import re

import pytest
from django.urls import reverse

from recommender.models import Collection, CollectionEntry, Feedback
from tests.factories import make_paper
from tests.html import titles

pytestmark = pytest.mark.django_db


def collect(client, paper, **data):
    return client.post(reverse("recommender:collect", args=[paper.pk]), data)


def names_in(collection):
    return set(collection.entries.values_list("paper__title", flat=True))


def test_the_first_click_keeps_the_paper_in_a_reading_list(reader_client, reader):
    paper = make_paper(title="Diffusion models")

    page = reader_client.get(paper.get_absolute_url())
    collect(reader_client, paper, create="1")

    assert "Reading list" in page.content.decode()
    collection = Collection.objects.get(owner=reader)
    assert collection.name == "Reading list"
    assert names_in(collection) == {"Diffusion models"}


def test_one_click_adds_to_the_last_collection_used(reader_client, reader):
    thesis = Collection.objects.create(owner=reader, name="Thesis: diffusion")
    club = Collection.objects.create(owner=reader, name="Journal club 12 Jan")
    first, second = make_paper(title="First"), make_paper(title="Second")
    collect(reader_client, first, add=club.pk)

    page = reader_client.get(second.get_absolute_url()).content.decode()
    main = re.search(r'<button type="submit" class="collect-main"[^>]*>', page)

    assert main is not None
    assert f'value="{club.pk}"' in main.group()
    assert 'name="add"' in main.group()
    assert names_in(thesis) == set()


def test_a_card_removes_a_paper_from_a_collection(reader_client, reader):
    collection = Collection.objects.create(owner=reader, name="Reading list")
    paper = make_paper()
    CollectionEntry.objects.create(collection=collection, paper=paper)

    response = collect(reader_client, paper, remove=collection.pk, next="/")

    assert response["Location"] == f"/#paper-{paper.pk}"
    assert not collection.entries.exists()


def test_the_htmx_answer_is_the_cards_buttons_with_the_new_state(reader_client, reader):
    collection = Collection.objects.create(owner=reader, name="Reading list")
    paper = make_paper()

    response = reader_client.post(
        reverse("recommender:collect", args=[paper.pk]),
        {"add": collection.pk},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith(f'<div class="collect" id="collect-{paper.pk}"')
    assert 'aria-pressed="true"' in html
    assert '"collection-used"' in response["HX-Trigger"]


def test_a_new_collection_is_made_from_the_cards_menu(reader_client, reader):
    paper = make_paper(title="Attention")

    collect(reader_client, paper, create="1", name="  Journal   club 12 Jan ")
    collect(reader_client, paper, create="1", name="Journal club 12 Jan")

    collection = Collection.objects.get(owner=reader)
    assert collection.name == "Journal club 12 Jan"
    assert names_in(collection) == {"Attention"}


def test_a_collection_entry_is_not_a_like(reader_client, reader):
    paper = make_paper()

    collect(reader_client, paper, create="1")

    assert not Feedback.objects.filter(user=reader).exists()


def test_a_like_is_not_a_collection_entry(reader_client, reader):
    collection = Collection.objects.create(owner=reader, name="Reading list")
    paper = make_paper()

    reader_client.post(
        reverse("recommender:feedback", args=[paper.pk]), {"value": "like"}
    )

    assert not collection.entries.exists()


def test_like_also_adds_to_the_collection_that_asks(reader_client, reader):
    wanted = Collection.objects.create(owner=reader, name="Liked", like_adds=True)
    other = Collection.objects.create(owner=reader, name="Other")
    paper = make_paper(title="Liked paper")

    reader_client.post(
        reverse("recommender:feedback", args=[paper.pk]), {"value": "like"}
    )
    reader_client.post(
        reverse("recommender:feedback", args=[paper.pk]), {"value": "neither"}
    )

    assert names_in(wanted) == {"Liked paper"}
    assert names_in(other) == set()


def test_like_adds_is_on_for_one_collection_at_most(reader_client, reader):
    first = Collection.objects.create(owner=reader, name="First", like_adds=True)
    second = Collection.objects.create(owner=reader, name="Second")

    reader_client.post(
        reverse("recommender:collection_edit", args=[second.pk]),
        {"name": "Second", "visibility": "private", "like_adds": "on"},
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.like_adds, second.like_adds) == (False, True)


def test_a_collection_is_renamed_and_described(reader_client, reader):
    collection = Collection.objects.create(owner=reader, name="Reading list")

    reader_client.post(
        reverse("recommender:collection_edit", args=[collection.pk]),
        {
            "name": "Thesis: diffusion",
            "description": "Chapter 2",
            "visibility": "private",
        },
    )
    page = reader_client.get(collection.get_absolute_url()).content.decode()

    assert "<h1>Thesis: diffusion</h1>" in page
    assert "Chapter 2" in page


def test_two_collections_cannot_share_a_name(reader_client, reader):
    Collection.objects.create(owner=reader, name="Taken")
    collection = Collection.objects.create(owner=reader, name="Reading list")

    response = reader_client.post(
        reverse("recommender:collection_edit", args=[collection.pk]),
        {"name": "Taken", "visibility": "private"},
    )

    assert response.status_code == 400
    assert "You have a collection of that name already." in response.content.decode()


def test_a_collection_is_created_from_the_list_page(reader_client, reader):
    response = reader_client.post(
        reverse("recommender:collection_create"),
        {"name": "Thesis: diffusion", "visibility": "private"},
    )

    collection = Collection.objects.get(owner=reader)
    assert response["Location"] == collection.get_absolute_url()


def order_on_the_page(client):
    page = client.get(reverse("recommender:collections")).content.decode()
    return re.findall(r'class="collection-name" href="[^"]+">([^<]+)</a>', page)


def test_collections_move_up_and_down(reader_client, reader):
    for position, name in enumerate(["A", "B", "C"]):
        Collection.objects.create(owner=reader, name=name, position=position)
    c = Collection.objects.get(name="C")

    reader_client.post(
        reverse("recommender:collection_move", args=[c.pk]), {"step": "up"}
    )

    assert order_on_the_page(reader_client) == ["A", "C", "B"]


def test_collections_take_the_dragged_order(reader_client, reader):
    a, b, c = (
        Collection.objects.create(owner=reader, name=name, position=i)
        for i, name in enumerate(["A", "B", "C"])
    )

    response = reader_client.post(
        reverse("recommender:collection_order"),
        {"order": f"{c.pk},{a.pk},{b.pk}"},
        headers={"HX-Request": "true"},
    )

    assert response.content.decode().lstrip().startswith('<ol class="collection-list"')
    assert order_on_the_page(reader_client) == ["C", "A", "B"]


def test_a_collection_is_deleted_and_its_likes_stay(reader_client, reader):
    collection = Collection.objects.create(owner=reader, name="Old")
    paper = make_paper()
    CollectionEntry.objects.create(collection=collection, paper=paper)
    Feedback.objects.create(user=reader, paper=paper, value=Feedback.LIKE)

    reader_client.post(reverse("recommender:collection_delete", args=[collection.pk]))

    assert not Collection.objects.exists()
    assert Feedback.objects.filter(user=reader, paper=paper).exists()


def test_a_collection_page_lists_its_papers_latest_added_first(reader_client, reader):
    collection = Collection.objects.create(owner=reader, name="Reading list")
    older, newer = make_paper(title="Added first"), make_paper(title="Added second")
    for paper in (older, newer):
        collect(reader_client, paper, add=collection.pk)

    response = reader_client.get(collection.get_absolute_url())

    assert titles(response) == ["Added second", "Added first"]


def test_the_card_on_a_collection_page_acts_on_that_collection(reader_client, reader):
    here = Collection.objects.create(owner=reader, name="Here")
    Collection.objects.create(owner=reader, name="Used last")
    paper = make_paper()
    collect(reader_client, paper, add=here.pk)
    collect(reader_client, make_paper(), create="1", name="Used last")

    page = reader_client.get(here.get_absolute_url()).content.decode()
    main = re.search(r'<button type="submit" class="collect-main"[^>]*>', page)

    assert main is not None
    assert f'name="remove" value="{here.pk}"' in main.group()
