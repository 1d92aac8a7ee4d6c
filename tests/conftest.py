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
