import pytest
from django.test import override_settings

from tests.papers.network import API, HF, OAI


@pytest.fixture
def sources():
    """The source settings the fakes answer for, whatever the environment says."""
    with override_settings(
        PAPERFEED_ARXIV_API_URL=API,
        PAPERFEED_ARXIV_OAI_URL=OAI,
        PAPERFEED_HF_API_URL=HF,
        PAPERFEED_ARXIV_MIN_INTERVAL=3.0,
        PAPERFEED_CONTACT_EMAIL="library@lab.example",
        PAPERFEED_ARXIV_FIRST_DAYS=3,
    ):
        yield
