"""The access log page: inspectors (their scope) and system administrators (all) read it, with filters and an
Excel file; the staff it logs do not. Bad filters answer with a message, never a 500."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from congvu.privacy.models import Reason, RecordKind
from congvu.privacy.services import record_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(place, staff):
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
    record_access(staff.officer, RecordKind.DOSSIER, "H99.01-260302-0001", place.centre, Reason.PROCESSING, at=at)
    record_access(staff.leader, RecordKind.DOSSIER, "H99.01-260302-0002", place.a, Reason.OTHER, "=HYPERLINK(\"http://x\")",
                  at=at + dt.timedelta(days=1))
    record_access(staff.other, RecordKind.DOSSIER, "T01-B-260302-0001", place.b, Reason.CONTACT, at=at)


def test_inspector_reads_the_entries_of_units_in_scope_only(client, log, inspector):
    client.force_login(inspector)  # inspector of Phường Hoàn Kiếm: covers the ward and its centre, not Đông Anh
    page = client.get(reverse("privacy:access_log")).content.decode()
    assert "H99.01-260302-0001" in page and "H99.01-260302-0002" in page
    assert "T01-B-260302-0001" not in page


def test_system_admin_reads_everything_and_filters(client, log, sysadmin):
    client.force_login(sysadmin)
    page = client.get(reverse("privacy:access_log")).content.decode()
    assert page.count("<tr>") == 4  # header + 3
    page = client.get(reverse("privacy:access_log"), {"who": "lanhdao", "reason": "other"}).content.decode()
    assert "H99.01-260302-0002" in page and "H99.01-260302-0001" not in page
    page = client.get(reverse("privacy:access_log"), {"date_from": "2026-03-03", "date_to": "2026-03-03"}).content.decode()
    assert "H99.01-260302-0002" in page and "T01-B-260302-0001" not in page
    page = client.get(reverse("privacy:access_log"), {"record": "T01-B-260302-0001"}).content.decode()
    assert "T01-B-260302-0001" in page and "H99.01" not in page


def test_excel_has_the_filtered_rows_and_formulas_stay_text(client, log, sysadmin):
    client.force_login(sysadmin)
    response = client.get(reverse("privacy:access_log_export"), {"kind": "dossier"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Thời điểm" and len(rows) == 4
    cell = next(r for r in rows if r[3] == "H99.01-260302-0002")
    assert cell[6] == '=HYPERLINK("http://x")'  # stays the text it was, as a string cell


@pytest.mark.parametrize("params", [
    {"date_from": "2026-13-45"}, {"date_from": "2026-03-05", "date_to": "2026-03-01"}, {"kind": "x"}, {"reason": "x' OR 1=1"},
    {"who": "a" * 500},
])
def test_bad_filters_answer_400_with_a_message(client, log, sysadmin, params):
    client.force_login(sysadmin)
    response = client.get(reverse("privacy:access_log"), params)
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert client.get(reverse("privacy:access_log_export"), params).status_code == 400


def test_staff_who_are_logged_cannot_read_the_log(client, log, staff):
    for user in (staff.officer, staff.leader, staff.specialist):
        client.force_login(user)
        assert client.get(reverse("privacy:access_log")).status_code == 403
        assert client.get(reverse("privacy:access_log_export")).status_code == 403
    client.logout()
    assert client.get(reverse("privacy:access_log")).status_code == 302


def test_staff_home_shows_the_card_to_readers_only(client, log, staff, inspector):
    client.force_login(inspector)
    assert 'id="privacy-card"' in client.get(reverse("staff:home")).content.decode()
    client.force_login(staff.specialist)
    assert 'id="privacy-card"' not in client.get(reverse("staff:home")).content.decode()
