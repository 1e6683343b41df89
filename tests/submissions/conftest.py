import pytest
from django.test import Client

from accounts.models import User
from papers.models import Paper
from tests.factories import make_paper, make_user
from tests.submissions.pages import DAY, DAY_BEFORE


@pytest.fixture
def paper(db: None) -> Paper:
    return make_paper(title="Papers a lab reads together", announced_on=DAY)


@pytest.fixture
def older_paper(db: None) -> Paper:
    return make_paper(title="An older paper worth reading", announced_on=DAY_BEFORE)


@pytest.fixture
def other_reader(db: None) -> User:
    return make_user(username="bob", email="bob@example.org")


@pytest.fixture
def other_client(other_reader: User) -> Client:
    client = Client()
    client.force_login(other_reader)
    return client


@pytest.fixture
def staff_client(db: None) -> Client:
    client = Client()
    client.force_login(make_user(username="editor", is_staff=True, is_superuser=True))
    return client
