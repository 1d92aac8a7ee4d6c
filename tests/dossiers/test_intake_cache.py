"""Intake's per-process catalogue cache (dossiers.services.catalog_cache): the API reads the catalogue once per
process, and still sees a change made in this process (signals) or in another one (the change log's revision)."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from congvu.catalog import services as catalog_services
from congvu.catalog.models import ChangeSource, ProcedureChange, WorkflowStep
from congvu.dossiers.models import Dossier
from congvu.dossiers.services import catalog_cache
from congvu.units.models import ApiToken
from tests.dossiers.conftest import CITIZEN, submit_ids

BASE = "/api/v1/dossiers"


@pytest.fixture
def post(client, staff, place, catalogue):
    _row, raw = ApiToken.issue("Cổng dịch vụ công", place.centre, staff.officer)
    catalog_cache.clear()

    documents = submit_ids(catalogue.five)

    def go():
        body = {"procedure": "1.004884", "unit": "T01-A-TT", "applicant": CITIZEN, "checked_document_ids": documents}
        return client.post(BASE, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")

    return go


def test_a_second_intake_reads_no_catalogue_row(post):
    assert post().status_code == 201
    with CaptureQueriesContext(connection) as queries:
        r = post()
    assert r.status_code == 201, r.content
    sql = [q["sql"] for q in queries.captured_queries]
    catalogue_reads = [s for s in sql if "catalog_" in s and not s.startswith("SELECT (SELECT MAX(id) FROM")]
    assert catalogue_reads == [], catalogue_reads
    # One revision check per intake, and the whole intake in a bounded number of statements whatever the catalogue.
    assert sum(s.startswith("SELECT (SELECT MAX(id) FROM") for s in sql) == 1
    assert len(sql) <= 20, "\n".join(sql)
    out = r.json()
    assert len(out["steps"]) == 4 and out["procedure"] == "1.004884"


def test_a_change_made_in_this_process_is_seen_at_once(post, catalogue):
    assert post().status_code == 201
    today = timezone.localdate()
    catalog_services.abolish_procedure(catalogue.five.procedure, decision_number="99/QĐ-UBND", effective_from=today)
    r = post()
    assert r.status_code == 422 and r.json()["code"] == "procedure_not_receivable", r.content
    assert Dossier.objects.count() == 1


def test_a_change_made_by_another_process_is_seen_through_the_change_log(post, catalogue):
    assert post().json()["steps"][1]["name"] == "Thẩm định hồ sơ"
    # What set_workflow in another process leaves in the database, without this process's signals: the rows
    # changed and a change-log row.
    WorkflowStep.objects.filter(version=catalogue.five, position=1).update(name="Thẩm tra hồ sơ")
    ProcedureChange.objects.bulk_create([ProcedureChange(
        procedure=catalogue.five.procedure, version=catalogue.five, source=ChangeSource.SERVICE, field_path="workflow",
        old_value="Thẩm định hồ sơ", new_value="Thẩm tra hồ sơ",
    )])
    r = post()
    assert r.status_code == 201 and r.json()["steps"][1]["name"] == "Thẩm tra hồ sơ"


def test_the_version_in_force_follows_the_day(post, catalogue, monkeypatch):
    """The cache is keyed by day: a version effective tomorrow takes over at midnight without any write."""
    assert post().status_code == 201
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    catalog_services.abolish_procedure(catalogue.five.procedure, decision_number="98/QĐ-UBND", effective_from=tomorrow)
    assert post().status_code == 201  # still in force today
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    assert catalog_cache.version_in_force("1.004884", tomorrow).status == "abolished"

