"""The benchmark's bulk generator writes dossiers whose events rebuild them and whose rollups check out."""

import datetime as dt
import io
import sys
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import generate  # noqa: E402

NOW = dt.datetime(2026, 3, 16, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def generated(db):
    place = generate.setup_place(departments=3, communes=6)
    # fast=False keeps PostgreSQL's foreign-key checks: every id the generator hands out must point somewhere.
    stats = generate.generate(place, 300, batch=120, seed=7, now=NOW, fast=False)
    return place, stats


def test_generated_dossiers_are_rebuilt_exactly_from_their_events(generated):
    from congvu.dossiers.models import Dossier, DossierEvent

    _place, stats = generated
    assert Dossier.objects.count() == 300
    assert DossierEvent.objects.count() == stats.events
    out = io.StringIO()
    call_command("verify_dossiers", "--quiet", stdout=out)  # exits 1 on any drift
    assert "0 hồ sơ lệch" in out.getvalue()
    counts = dict(Dossier.objects.annotate(n=Count("events")).values_list("pk", "n"))
    assert counts == dict(Dossier.objects.values_list("pk", "event_count"))
    assert not DossierEvent.objects.filter(at__gt=NOW).exists()


def test_generated_history_has_the_intended_mix(generated):
    from congvu.dossiers.models import Dossier, PaymentRequest
    from congvu.feedback.models import Rating

    place, _stats = generated
    finished = Counter(Dossier.objects.exclude(timeliness="").values_list("timeliness", flat=True))
    late_share = finished["late"] / sum(finished.values())
    assert 0.02 < late_share < 0.2
    channels = Counter(Dossier.objects.values_list("channel", flat=True))
    assert 0.2 < channels["online"] / 300 < 0.5
    assert Dossier.objects.filter(received_at__lt=NOW - dt.timedelta(days=330)).exists()  # 13 months back
    assert PaymentRequest.objects.filter(paid_online=True).exists()
    assert Rating.objects.filter(dossier__state="returned").count() == Rating.objects.count() > 0
    units = {place.province.pk, *(u.pk for u in place.communes), *(u.pk for u in place.departments)}
    assert set(Dossier.objects.values_list("handling_unit_id", flat=True)) <= units


def test_rollups_rebuilt_from_generated_history_check_out(generated):
    from congvu.indices import services

    services.rebuild()
    assert services.check() == []
