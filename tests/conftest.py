"""Shared test set-up. Each app's own fixtures live in tests/<app>/conftest.py."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _fast_hashing_and_private_media(settings, tmp_path):
    # Argon2 is deliberately slow; tests create many users. Media goes to a per-test folder.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _vietnamese_by_default():
    # A request that switched to English leaves English active in this thread; every test starts as a
    # fresh process would, in the default language.
    translation.activate("vi")
    yield
    translation.activate("vi")


def pytest_collection_modifyitems(items):
    """A transactional test ends by emptying every table, including the rows migrations seed (official
    holiday decisions, notification templates, feedback deadlines and rating scales); the tests that run after
    it in the same worker would then see a database no installation ever has. Serialized rollback restores
    those rows, so every transactional test gets it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}), append=False)
