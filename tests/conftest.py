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
