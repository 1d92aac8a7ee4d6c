"""A dossier's applicant details show only after a reason; each full view is logged; the reason is
remembered briefly per record; nothing is revealed or logged for a dossier the user cannot see."""

import pytest
from django.urls import reverse

from congvu.privacy.models import AccessLogEntry, Reason, RecordKind
from tests.privacy.conftest import CITIZEN, PASSWORD

pytestmark = pytest.mark.django_db

FULL_ID = CITIZEN["personal_id"]


def _client(client, user):
    client.force_login(user)
    return client


def _reveal(client, code, reason=Reason.PROCESSING, text=""):
    return client.post(reverse("privacy:reveal"), {"kind": RecordKind.DOSSIER, "key": code, "reason": reason, "reason_text": text})


def test_detail_is_masked_until_a_reason_is_given_then_every_view_is_logged(client, receive, staff):
    dossier = receive()
    c = _client(client, staff.officer)
    url = reverse("dossiers:detail", args=[dossier.code])
    page = c.get(url).content.decode()
    assert FULL_ID not in page and "0010****2345" in page
    assert "an@example.vn" not in page and "a***@example.vn" in page
    assert 'id="privacy-reveal"' in page
    assert not AccessLogEntry.objects.exists()

    response = _reveal(c, dossier.code)
    assert response.status_code == 302 and response["Location"] == url
    page = c.get(url).content.decode()
    assert FULL_ID in page and "an@example.vn" in page
    c.get(url)
    entries = list(AccessLogEntry.objects.order_by("id"))
    assert len(entries) == 2
    assert {(e.user_id, e.record_kind, e.record_key, e.reason, e.unit_id) for e in entries} == {
        (staff.officer.pk, RecordKind.DOSSIER, dossier.code, Reason.PROCESSING, dossier.receiving_unit_id)
    }
    assert entries[0].user_name == "Cán bộ motcua"


def test_the_reason_is_for_one_record_only_and_expires(client, receive, staff, settings, monkeypatch):
    first, second = receive(), receive()
    c = _client(client, staff.officer)
    _reveal(c, first.code)
    assert FULL_ID not in c.get(reverse("dossiers:detail", args=[second.code])).content.decode()

    import time as real_time

    from congvu.privacy import services

    later = real_time.time() + services.reveal_seconds() + 1
    monkeypatch.setattr(services.time, "time", lambda: later)
    page = c.get(reverse("dossiers:detail", args=[first.code])).content.decode()
    assert FULL_ID not in page
    assert AccessLogEntry.objects.count() == 0


def test_hide_again_forgets_the_reason(client, receive, staff):
    dossier = receive()
    c = _client(client, staff.officer)
    _reveal(c, dossier.code)
    c.post(reverse("privacy:conceal"), {"kind": RecordKind.DOSSIER, "key": dossier.code})
    assert FULL_ID not in c.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()


def test_other_needs_an_explanation_and_nothing_is_remembered_without_it(client, receive, staff):
    dossier = receive()
    c = _client(client, staff.officer)
    response = _reveal(c, dossier.code, reason=Reason.OTHER, text="   ")
    assert response.status_code == 400
    assert "Giải thích lý do cần xem đầy đủ thông tin." in response.content.decode()
    assert FULL_ID not in c.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert _reveal(c, dossier.code, reason=Reason.OTHER, text="Người dân\x00 gọi").status_code == 400  # NUL: refused
    assert _reveal(c, dossier.code, reason=Reason.OTHER, text="Người dân gọi hỏi\x07 lại").status_code == 302
    c.get(reverse("dossiers:detail", args=[dossier.code]))
    entry = AccessLogEntry.objects.get()
    assert entry.reason == Reason.OTHER and entry.reason_text == "Người dân gọi hỏi lại"


@pytest.mark.parametrize("post", [
    {"kind": "dossier", "key": "NO-SUCH-CODE", "reason": "processing"},
    {"kind": "nonsense", "key": "x", "reason": "processing"},
    {"kind": "dossier", "key": "x" * 500, "reason": "processing"},
    {"kind": "evaluation_sheet", "key": "../1", "reason": "processing"},
    {"reason": "processing"},
])
def test_hostile_reveal_requests_are_404_and_write_nothing(client, staff, post):
    c = _client(client, staff.officer)
    assert c.post(reverse("privacy:reveal"), post).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_a_dossier_out_of_scope_cannot_be_revealed(client, receive, staff):
    dossier = receive()
    c = _client(client, staff.other)  # a one-stop officer of another commune
    assert _reveal(c, dossier.code).status_code == 404
    assert c.get(reverse("dossiers:detail", args=[dossier.code])).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_an_invalid_reason_value_is_refused(client, receive, staff):
    dossier = receive()
    c = _client(client, staff.officer)
    assert _reveal(c, dossier.code, reason="curiosity").status_code == 400
    assert not AccessLogEntry.objects.exists()


def test_a_tampered_session_value_reveals_nothing(client, receive, staff):
    dossier = receive()
    c = _client(client, staff.officer)
    session = c.session
    session["congvu_privacy_reasons"] = {f"dossier:{dossier.code}": ["curiosity", "", 9e18]}
    session.save()
    assert FULL_ID not in c.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()


def test_anonymous_is_sent_to_sign_in(client, receive):
    dossier = receive()
    response = client.post(reverse("privacy:reveal"), {"kind": "dossier", "key": dossier.code, "reason": "processing"})
    assert response.status_code == 302 and reverse("staff:login") in response["Location"]
    assert not AccessLogEntry.objects.exists()


def test_the_log_is_append_only(client, receive, staff):
    from congvu.privacy.services import record_access

    entry = record_access(staff.officer, RecordKind.DOSSIER, "X", None, Reason.PROCESSING)
    entry.reason_text = "changed"
    with pytest.raises(PermissionError):
        entry.save()


def test_list_and_export_mask_personal_id_and_phone(client, receive, staff):
    receive()
    c = _client(client, staff.officer)
    page = c.get(reverse("dossiers:list")).content.decode()
    assert FULL_ID not in page and "0010****2345" in page
    import io

    from openpyxl import load_workbook

    data = c.get(reverse("dossiers:export")).content
    values = [str(v) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True) for v in row if v]
    assert "0010****2345" in values and FULL_ID not in values and not any("345678" in v for v in values)
