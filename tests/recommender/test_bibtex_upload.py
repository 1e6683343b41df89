"""Uploading a .bib file at onboarding: the size limit holds while the file
arrives, the rest of the form still works, and older encodings are read."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from papers.models import Topic
from recommender.bibtex.reading import MAX_BYTES
from recommender.models import Feedback, ReaderProfile
from recommender.uploads import limit_upload_size
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

ENTRY = b"@misc{vaswani2017, title = {Attention}, eprint = {1706.03762}}\n"


def bib_file(size: int, entry: bytes = ENTRY) -> SimpleUploadedFile:
    """A .bib of exactly `size` bytes: one entry, then blank padding."""
    return SimpleUploadedFile(
        "refs.bib", entry + b" " * (size - len(entry)), content_type="text/x-bibtex"
    )


def test_a_file_over_the_limit_is_refused_naming_the_limit(reader_client, reader):
    make_paper(arxiv_id="1706.03762")
    topic = Topic.objects.get(code="cs.LG")

    response = reader_client.post(
        reverse("recommender:onboarding"),
        {
            "topics": [topic.pk],
            "bibtex": bib_file(MAX_BYTES + 1),
            "interests": "Sparse attention for long documents",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "That file is over 5 MB" in html
    assert not Feedback.objects.filter(user=reader).exists()
    assert not ReaderProfile.objects.filter(user=reader).exists()
    # The fields around the file arrived: the form comes back as filled in.
    assert "Sparse attention for long documents</textarea>" in html
    assert re.search(rf'name="topics" value="{topic.pk}"[^>]* checked>', html)


def test_a_file_just_under_the_limit_is_read(reader_client, reader):
    paper = make_paper(arxiv_id="1706.03762")

    response = reader_client.post(
        reverse("recommender:onboarding"), {"bibtex": bib_file(MAX_BYTES)}
    )

    assert response.status_code == 302
    liked = Feedback.objects.filter(user=reader, value=Feedback.LIKE)
    assert list(liked.values_list("paper", flat=True)) == [paper.pk]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_utf8_with_a_bom_and_latin_files_are_read(reader_client, reader, encoding):
    # Lower-case letters only: SQLite lower-cases ASCII alone when matching.
    paper = make_paper(title="Die Müller-Zahl für Straßen")
    entry = "@article{m, title = {Die M{ü}ller-Zahl für Straßen}}\n"

    reader_client.post(
        reverse("recommender:onboarding"),
        {"bibtex": bib_file(200, entry.encode(encoding))},
    )

    liked = Feedback.objects.filter(user=reader).values_list("paper", flat=True)
    assert list(liked) == [paper.pk]


def test_the_upload_still_needs_a_csrf_token(reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    make_paper(arxiv_id="1706.03762")

    response = client.post(
        reverse("recommender:onboarding"), {"bibtex": bib_file(len(ENTRY))}
    )

    assert response.status_code == 403
    assert not Feedback.objects.filter(user=reader).exists()


@limit_upload_size(max_bytes=1024)
def echo(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    assert upload is not None
    content = upload.read()
    return JsonResponse(
        {"size": upload.size, "kept": len(content), "after": request.POST["after"]}
    )


@pytest.mark.parametrize(("size", "kept"), [(1024, 1024), (1025, 0), (10**6, 0)])
def test_a_file_past_the_limit_is_not_kept_while_it_arrives(size, kept):
    file = SimpleUploadedFile("big.bin", b"x" * size)
    request = RequestFactory().post("/", {"file": file, "after": "still here"})
    request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]  # as the test client does

    response = echo(request)

    assert json.loads(response.content) == {
        "size": size,
        "kept": kept,
        "after": "still here",
    }
