import pytest
from django.db import connection

from adversus.celery import app as celery_app
from adversus.models import User
from campaigns.models import Campaign

PASSWORD = "test-pass-4821"


def pytest_configure(config) -> None:
    # Tasks run in the test process; a separate test starts a real worker.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


def pytest_collection_modifyitems(config, items) -> None:
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def make_user(username: str, role: str, **extra) -> User:
    return User.objects.create_user(
        username, password=PASSWORD, role=role, first_name=username.title(), **extra
    )


@pytest.fixture
def admin_user(db) -> User:
    return make_user("ada", User.Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def manager(db) -> User:
    return make_user("mona", User.Role.MANAGER)


@pytest.fixture
def manager_client(client, manager):
    """The test client, logged in as the manager."""
    client.force_login(manager)
    return client


@pytest.fixture
def phoner(db) -> User:
    return make_user("per", User.Role.PHONER)


@pytest.fixture
def phoner_client(client, phoner):
    """The test client, logged in as the phoner."""
    client.force_login(phoner)
    return client


@pytest.fixture
def other_phoner(db) -> User:
    return make_user("pia", User.Role.PHONER)


@pytest.fixture
def outsider(db) -> User:
    """A phoner assigned to no campaign of the story."""
    return make_user("otto", User.Role.PHONER)


@pytest.fixture
def campaign(db, phoner, other_phoner) -> Campaign:
    campaign = Campaign.objects.create(
        name="Winter sale", max_contact_attempts=3, redial_delay_minutes=60
    )
    campaign.phoners.set([phoner, other_phoner])
    return campaign
