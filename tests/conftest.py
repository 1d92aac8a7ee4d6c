"""Shared test set-up. Each app's own fixtures live in tests/<app>/conftest.py."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _fast_hashing_and_private_media(settings, tmp_path):
    # Argon2 is deliberately slow; tests create many users. Media goes to a per-test folder.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Signing keys (congvu.signing) likewise: a test that loads the demo must not write keys into ./var.
    settings.CONGVU_SIGNING_DIR = tmp_path / "signing"


@pytest.fixture(autouse=True)
def _sign_in_without_lockout_or_second_factor(settings):
    """The suite signs staff in with `client.login` / `force_login`. django-axes refuses `client.login` (it
    authenticates without a request, which axes needs to count failures), and leaders, administrators and
    superusers would be sent to the TOTP step on every page. Both are off here; tests/accounts turns them back on
    (its `secure_sign_in` fixture) and tests them. A test that needs a verified leader session with both on uses
    `congvu.accounts.testing.force_verified_login(client, user)`. Processes started by tests (servers, workers)
    read the real settings: everything on."""
    settings.AXES_ENABLED = False
    settings.CONGVU_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def _vietnamese_by_default():
    # A request that switched to English leaves English active in this thread; every test starts as a
    # fresh process would, in the default language.
    translation.activate("vi")
    yield
    translation.activate("vi")


@pytest.fixture(autouse=True)
def _seeded_configuration(request):
    """Rows that migrations seed (official holiday decisions, feedback deadlines and rating scale) are there in
    every installation; a transactional test empties every table when it ends, so put them back for the tests
    that run after it in the same worker."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db" if marker is not None and marker.kwargs.get("transaction") else "db")
    import importlib

    from congvu.feedback.models import FeedbackDeadlines, RatingScheme
    from congvu.workcal.models import CalendarOverride
    from congvu.workcal.services import load_official_overrides

    if not CalendarOverride.objects.exists():
        load_official_overrides()
    seeded = importlib.import_module("congvu.feedback.migrations.0002_default_configuration")
    FeedbackDeadlines.objects.get_or_create(effective_from=seeded.DEADLINES["effective_from"], defaults=seeded.DEADLINES)
    RatingScheme.objects.get_or_create(effective_from=seeded.SCHEME["effective_from"], defaults=seeded.SCHEME)


# The dashboards' months of history and the PAR demo have tests of their own (tests/indices/test_demo_history.py,
# tests/reform/test_demo.py); tests of the other demo parts load the demo without them, in seconds instead of a minute.
HISTORY_DEMOS = ("congvu.indices.demo", "congvu.reform.demo", "congvu.people.demo", "congvu.evaluation.demo", "congvu.emulation.demo")


@pytest.fixture
def base_demo_only(monkeypatch):
    from congvu.core import demo

    monkeypatch.setattr(demo, "DEMO_EXTENSIONS", tuple(name for name in demo.DEMO_EXTENSIONS if name not in HISTORY_DEMOS))
