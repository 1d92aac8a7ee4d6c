"""Shared test set-up. Each app's own fixtures live in tests/<app>/conftest.py."""

import pytest


@pytest.fixture(autouse=True)
def _fast_hashing_and_private_media(settings, tmp_path):
    # Argon2 is deliberately slow; tests create many users. Media goes to a per-test folder.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
