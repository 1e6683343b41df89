"""The day the submission tests use, and the day page's form posted as a
reader's browser posts it."""

import datetime as dt
from typing import TYPE_CHECKING

from django.test import Client
from django.urls import reverse

if TYPE_CHECKING:
    # The test client's response, with `redirect_chain`: a type of the stubs only.
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

# The catalogue's newest listing day, where submissions go, and the one before.
DAY = dt.date(2026, 3, 3)
DAY_BEFORE = dt.date(2026, 3, 2)


def submit(
    client: Client, paper: str, note: str = "", *, htmx: bool = False
) -> "Response":
    """Post the day page's "Submit a paper" form, by htmx or as a plain form
    (then following the redirect back to the page)."""
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("submissions:submit"),
        {"paper": paper, "note": note, "next": f"/?tab=latest&date={DAY}"},
        headers=headers,
        follow=not htmx,
    )


def day_page(client: Client, day: dt.date = DAY) -> str:
    return client.get(reverse("home"), {"date": day.isoformat(), "tab": "latest"}).text
