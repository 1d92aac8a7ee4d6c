"""The register of data subjects' requests: recorded at the desk with a 72-hour answer due, closed once,
scoped by unit; an officer exports the person's data held by their units only, and that export is logged."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from congvu.privacy.models import AccessLogEntry, DataRequest, Reason, RecordKind, RequestState
from tests.privacy.conftest import CITIZEN

pytestmark = pytest.mark.django_db

GOOD = {"personal_id": CITIZEN["personal_id"], "full_name": "Nguyễn Văn An", "kind": "access", "channel": "counter", "details": "Xin bản sao."}


def _new(client, **overrides):
    return client.post(reverse("privacy:request_new"), {**GOOD, **overrides})


def test_record_close_and_export_within_scope(client, receive, staff, place):
    mine = receive()
    second = receive()
    client.force_login(staff.officer)
    response = _new(client)
    item = DataRequest.objects.get()
    assert response["Location"] == reverse("privacy:request", args=[item.pk])
    assert (item.unit, item.received_by, item.state) == (place.centre, staff.officer, RequestState.OPEN)
    assert (item.due_at - item.received_at).total_seconds() == 72 * 3600
    page = client.get(reverse("privacy:request", args=[item.pk])).content.decode()
    assert "0010****2345" in page and CITIZEN["personal_id"] not in page

    data = json.loads(client.post(reverse("privacy:request_export", args=[item.pk]), {"format": "json"}).content)
    assert {d["code"] for d in data["dossiers"]} == {mine.code, second.code} and data["scope"] == "unit"
    entry = AccessLogEntry.objects.get()
    assert (entry.record_kind, entry.reason, entry.record_key) == (RecordKind.CITIZEN_EXPORT, Reason.DATA_REQUEST, f"yeu-cau-{item.pk}")
    book = load_workbook(io.BytesIO(client.post(reverse("privacy:request_export", args=[item.pk]), {"format": "xlsx"}).content))
    assert book.sheetnames[0] == "Hồ sơ" and book["Hồ sơ"].max_row == 3

    assert client.post(reverse("privacy:request_close", args=[item.pk]), {"state": "done", "outcome": "  "}).status_code == 400
    assert client.post(reverse("privacy:request_close", args=[item.pk]), {"state": "done", "outcome": "Đã giao bản sao."}).status_code == 302
    item.refresh_from_db()
    assert item.state == RequestState.DONE and item.closed_by == staff.officer
    again = client.post(reverse("privacy:request_close", args=[item.pk]), {"state": "refused", "outcome": "x"})
    assert again.status_code == 409
    item.refresh_from_db()
    assert item.state == RequestState.DONE
    # Closed: no more exports.
    assert client.post(reverse("privacy:request_export", args=[item.pk]), {"format": "json"}).status_code == 403


def test_an_officer_elsewhere_gets_only_their_units_data(client, receive, staff, place):
    receive()  # at Hoàn Kiếm's centre
    client.force_login(staff.other)  # one-stop officer of Đông Anh
    _new(client)
    item = DataRequest.objects.get()
    data = json.loads(client.post(reverse("privacy:request_export", args=[item.pk]), {"format": "json"}).content)
    assert data["dossiers"] == [] and data["stored_documents"] == []


@pytest.mark.parametrize("bad", [
    {"personal_id": "12345"}, {"personal_id": "00109001234x"}, {"personal_id": "0010900123456"}, {"full_name": "   "},
    {"kind": "erase_everything"}, {"channel": "portal"}, {"details": "x" * 5000}, {"full_name": "An\x00"},
])
def test_bad_requests_are_refused_and_nothing_is_written(client, staff, bad):
    client.force_login(staff.officer)
    response = _new(client, **bad)
    assert response.status_code == 400 and "invalid-feedback" in response.content.decode()
    assert not DataRequest.objects.exists()


def test_who_may_do_what(client, staff, inspector, place):
    client.force_login(staff.officer)
    _new(client)
    item = DataRequest.objects.get()
    client.force_login(staff.specialist)
    assert client.get(reverse("privacy:requests")).status_code == 403
    assert _new(client).status_code == 403
    assert client.get(reverse("privacy:request", args=[item.pk])).status_code == 404
    client.force_login(inspector)  # reads the register of units in scope, does not handle requests
    assert "Nguyễn Văn An" in client.get(reverse("privacy:requests")).content.decode()
    assert client.post(reverse("privacy:request_close", args=[item.pk]), {"state": "done", "outcome": "x"}).status_code == 403
    assert client.post(reverse("privacy:request_export", args=[item.pk]), {"format": "json"}).status_code == 403
    client.force_login(staff.other)  # a desk of another commune: not in scope
    assert client.get(reverse("privacy:request", args=[item.pk])).status_code == 404
    assert "Nguyễn Văn An" not in client.get(reverse("privacy:requests")).content.decode()
    assert DataRequest.objects.get().state == RequestState.OPEN


def test_export_with_an_unknown_format_is_404(client, staff):
    client.force_login(staff.officer)
    _new(client)
    item = DataRequest.objects.get()
    assert client.post(reverse("privacy:request_export", args=[item.pk]), {"format": "csv"}).status_code == 404
    assert not AccessLogEntry.objects.exists()
