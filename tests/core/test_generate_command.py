"""`congvu manage generate`: a province whose dossiers rebuild from their events, whose rollups check out, with the
steps, staff and feedback a real province has; the same seed gives the same rows whatever the number of writers."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from congvu.core import generation


def _generate(**options) -> str:
    out = io.StringIO()
    call_command("generate", stdout=out, stderr=io.StringIO(), **{"dossiers": 240, "years": 1, "departments": 2,
                                                                   "feedback_per": 60, **options})
    return out.getvalue()


def _snapshot():
    from congvu.dossiers.models import Dossier, DossierEvent, DossierStep

    dossiers = list(Dossier.objects.order_by("pk").values_list("pk", "code", "state", "due_at", "receiving_unit_id", "timeliness"))
    events = list(DossierEvent.objects.order_by("pk").values_list("pk", "dossier_id", "seq", "action", "at"))
    steps = list(DossierStep.objects.order_by("pk").values_list("pk", "dossier_id", "status", "due_at"))
    return dossiers, events, steps


def _check_province():
    from congvu.dossiers.codes import parse_code
    from congvu.dossiers.models import Dossier, DossierStep
    from congvu.feedback.models import Feedback
    from congvu.indices.models import DossierFact

    out = io.StringIO()
    call_command("verify_dossiers", stdout=out, stderr=io.StringIO())
    assert " 0 hồ sơ lệch" in out.getvalue()
    call_command("rebuild_indices", check=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert DossierFact.objects.count() == Dossier.objects.count() == 240
    # Every code is one a citizen can look up (the lookup parses it first).
    assert all(parse_code(code) for code in Dossier.objects.values_list("code", flat=True))
    # The worklist reads active steps: open dossiers in processing have one, at the unit that holds them.
    processing = Dossier.objects.filter(state="processing")
    assert processing.exists()
    for dossier in processing:
        step = DossierStep.objects.get(dossier=dossier)
        assert step.status == "active" and dossier.current_step_id == step.pk and step.unit_id == dossier.current_unit_id
    assert not DossierStep.objects.filter(dossier__state="returned").exclude(status="done").exists()
    assert Feedback.objects.filter(dossier__isnull=False).count() == 4


def test_generate_builds_a_consistent_province(db):
    report = _generate(jobs=1)
    assert "Đã sinh 240 hồ sơ" in report
    _check_province()


@pytest.mark.django_db(transaction=True)
def test_two_writers_write_the_same_rows_as_one():
    if connection.vendor != "postgresql":
        pytest.skip("several writer processes load PostgreSQL only (SQLite has one writer)")
    _generate(jobs=1, feedback_per=0, no_indices=True)
    one = _snapshot()
    # Empty only what the load wrote (a flush would also take the rating scheme the migrations installed).
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in generation._models())
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    _generate(jobs=2, feedback_per=0, no_indices=True)
    two = _snapshot()
    # Ids, codes, states, due times and events are the seed's, not the writers'.
    assert [row[1:] for row in one[0]] == [row[1:] for row in two[0]]
    assert [row[2:] for row in one[1]] == [row[2:] for row in two[1]]
    assert [row[2:] for row in one[2]] == [row[2:] for row in two[2]]


def test_bad_arguments_are_refused_in_vietnamese(db):
    with pytest.raises(CommandError, match="--dossiers phải là số dương"):
        _generate(dossiers=0)
    with pytest.raises(CommandError, match="--years"):
        _generate(years=0)


def test_the_bench_module_is_the_package_generator():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import generate

    assert generate.generate is generation.generate and generate.setup_place is generation.setup_place
