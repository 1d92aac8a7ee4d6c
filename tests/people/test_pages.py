"""The people pages: who sees what (404 out of reach, 403 in reach but not allowed), the forms' bad input,
the notice PDF in Vietnamese and the Excel exports."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from congvu.people import services
from congvu.people.models import DisciplineRecord, Inspection, InspectionFinding, InspectionPlan, TrainingAttendance

D = dt.date


def _xlsx_rows(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(content)).active.iter_rows()]


def test_home_and_staff_home_card(login, people):
    client = login(people.officer)
    assert client.get(reverse("people:home")).status_code == 200
    page = client.get(reverse("staff:home")).content.decode()
    assert 'id="people-card"' in page and reverse("people:mine") in page


def test_plan_pages_are_the_inspectorate_s(login, people, place, plan):
    client = login(people.inspector)
    assert plan.code in client.get(reverse("people:plans")).content.decode()
    assert client.get(reverse("people:plan", args=[plan.pk])).status_code == 200
    rows = _xlsx_rows(client.get(reverse("people:plans_export")))
    assert rows[1][0] == plan.code
    # The inspected unit never sees an unannounced plan.
    leader = login(people.leader_a)
    assert plan.code not in leader.get(reverse("people:plans")).content.decode()
    assert leader.get(reverse("people:plan", args=[plan.pk])).status_code == 404
    assert login(people.inspector_b).get(reverse("people:plan", args=[plan.pk])).status_code == 404
    assert login(people.reform).get(reverse("people:plan", args=[plan.pk])).status_code == 200


def test_plan_form(login, people, place, checklist):
    client = login(people.officer)
    assert client.get(reverse("people:plan_new")).status_code == 403
    client = login(people.inspector)
    page = client.get(reverse("people:plan_new")).content.decode()
    assert 'for="id_title"' in page
    bad = client.post(reverse("people:plan_new"), {"title": "", "kind": "periodic", "start_date": "2026-12-01", "end_date": "2026-10-01"})
    assert bad.status_code == 400 and not InspectionPlan.objects.exists()
    assert "error-summary" in bad.content.decode()
    good = client.post(reverse("people:plan_new"), {"title": "Kiểm tra định kỳ", "kind": "periodic", "start_date": "2026-10-01",
                                                    "end_date": "2026-12-31", "units": [place.a.code, place.b.code], "team": ["thanhtra2"],
                                                    "checklist": checklist.pk})
    plan = InspectionPlan.objects.get()
    assert good.status_code == 302 and good["Location"] == plan.get_absolute_url()
    assert set(plan.team.values_list("username", flat=True)) == {"thanhtra", "thanhtra2"}


def test_recording_an_inspection_through_the_pages(login, people, place, plan, checklist, settings):
    client = login(people.inspector2)
    bad = client.post(reverse("people:inspection_new", args=[plan.pk]), {"unit": place.a.code, "date": "2027-02-01"})
    assert bad.status_code == 400 and not Inspection.objects.exists()
    response = client.post(reverse("people:inspection_new", args=[plan.pk]), {"unit": place.centre.code, "date": "2026-10-15"})
    inspection = Inspection.objects.get()
    assert response["Location"] == inspection.get_absolute_url()
    page = client.get(inspection.get_absolute_url()).content.decode()
    assert "Đeo thẻ công chức" in page
    assert client.post(reverse("people:finding_add", args=[inspection.pk]), {"is_violation": "1", "severity": "minor", "description": ""}).status_code == 400
    assert not InspectionFinding.objects.exists()
    item = checklist.items.get(code="2.1")
    ok = client.post(reverse("people:finding_add", args=[inspection.pk]), {"checklist_item": item.pk, "staff": "motcua", "is_violation": "1",
                                                                           "severity": "serious", "description": "Trả lời cộc lốc."})
    assert ok.status_code == 302
    assert client.post(reverse("people:action_add", args=[inspection.pk]), {"description": "Chấn chỉnh.", "deadline": "2026-11-30"}).status_code == 302
    # Nobody outside the team writes; the inspected unit does not even see the draft.
    assert login(people.leader_a).post(reverse("people:finding_add", args=[inspection.pk]), {"description": "x"}).status_code == 404
    assert login(people.inspector_b).get(inspection.get_absolute_url()).status_code == 404
    client = login(people.inspector2)
    assert client.post(reverse("people:conclude", args=[inspection.pk]), {"conclusion": ""}).status_code == 400
    done = client.post(reverse("people:conclude", args=[inspection.pk]), {"summary": "", "conclusion": "Yêu cầu chấn chỉnh thái độ giao tiếp."})
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.is_concluded
    assert client.post(reverse("people:finding_add", args=[inspection.pk]), {"description": "x"}).status_code == 403


def test_notice_pdf_in_vietnamese(login, people, concluded):
    from pypdf import PdfReader

    response = login(people.leader_a).get(reverse("people:notice", args=[concluded.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    reader = PdfReader(io.BytesIO(content))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for words in ("THÔNG BÁO KẾT LUẬN KIỂM TRA CÔNG VỤ", "Đoàn kiểm tra", "Không đeo thẻ công chức", "motcua", "Yêu cầu khắc phục", "15/11/2026"):
        assert words.lower() in text.lower()
    # The named officer reads the notice too; a colleague does not.
    assert login(people.officer).get(reverse("people:notice", args=[concluded.pk])).status_code == 200
    assert login(people.specialist_a).get(reverse("people:notice", args=[concluded.pk])).status_code == 404


def test_who_sees_a_concluded_record(login, people, concluded):
    url = concluded.get_absolute_url()
    assert "Niêm yết đầy đủ thủ tục" in login(people.leader_a).get(url).content.decode()
    assert login(people.leader_p).get(url).status_code == 200
    assert login(people.reform).get(url).status_code == 200
    officer_page = login(people.officer).get(url).content.decode()
    assert "Không đeo thẻ công chức" in officer_page and "Niêm yết đầy đủ thủ tục" not in officer_page
    for who in ("leader_b", "specialist_a", "inspector_b"):
        assert login(getattr(people, who)).get(url).status_code == 404
    assert concluded.code in login(people.leader_a).get(reverse("people:inspections")).content.decode()
    assert concluded.code not in login(people.leader_b).get(reverse("people:inspections")).content.decode()
    rows = _xlsx_rows(login(people.inspector).get(reverse("people:inspections_export") + "?violations=on"))
    assert rows[1][0] == concluded.code and rows[1][7] == 1


def test_follow_up_through_the_pages(login, people, concluded):
    action = concluded.actions.get()
    leader = login(people.leader_a)
    assert leader.post(reverse("people:action_report", args=[action.pk]), {"report": ""}).status_code == 400
    assert leader.post(reverse("people:action_report", args=[action.pk]), {"report": "Đã kiểm điểm, công chức đã đeo thẻ."}).status_code == 302
    assert login(people.leader_b).post(reverse("people:action_report", args=[action.pk]), {"report": "x"}).status_code == 404
    assert login(people.leader_a).post(reverse("people:action_review", args=[action.pk]), {"decision": "accept"}).status_code == 403
    inspector = login(people.inspector)
    assert inspector.post(reverse("people:action_review", args=[action.pk]), {"decision": "return", "note": ""}).status_code == 400
    assert inspector.post(reverse("people:action_review", args=[action.pk]), {"decision": "accept"}).status_code == 302
    action.refresh_from_db()
    assert action.state == "done"
    rows = _xlsx_rows(inspector.get(reverse("people:actions_export") + "?status=done"))
    assert rows[1][0] == concluded.code and rows[1][4] == "Đã hoàn thành"


def test_discipline_pages(login, people):
    leader = login(people.leader_a)
    form = leader.get(reverse("people:discipline_new")).content.decode()
    assert 'value="motcua"' in form and 'value="lanhdao-a"' not in form and 'value="motcua-b"' not in form
    data = {"staff": "motcua", "form": "reprimand", "decision_number": "7/QĐ-UBND", "decision_date": "2026-06-01", "signer": "Chủ tịch UBND",
            "reason": "Vi phạm giờ làm việc."}
    assert leader.post(reverse("people:discipline_new"), {**data, "decision_date": "2026-06-01", "effective_from": "2026-05-01"}).status_code == 400
    assert leader.post(reverse("people:discipline_new"), {**data, "staff": "motcua-b"}).status_code == 400  # not offered: out of scope
    assert not DisciplineRecord.objects.exists()
    assert leader.post(reverse("people:discipline_new"), data).status_code == 302
    record = DisciplineRecord.objects.get()
    assert login(people.officer).get(record.get_absolute_url()).status_code == 200  # their own
    assert login(people.specialist_a).get(record.get_absolute_url()).status_code == 404  # a colleague
    assert login(people.leader_b).get(record.get_absolute_url()).status_code == 404
    # An inspector reads it after giving a reason (a discipline record is personal data: congvu.privacy logs it).
    inspector = login(people.inspector)
    assert inspector.get(record.get_absolute_url())["Location"].startswith(reverse("privacy:reveal"))
    inspector.post(reverse("privacy:reveal"), {"kind": "discipline", "key": record.pk, "reason": "inspection"})
    assert inspector.get(record.get_absolute_url()).status_code == 200
    assert login(people.leader_a).get(record.get_absolute_url()).status_code == 200  # the deciding leader: logged, no question
    assert login(people.inspector).get(reverse("people:discipline_new")).status_code == 403
    assert login(people.specialist_a).get(reverse("people:discipline_list")).content.decode().count("7/QĐ-UBND") == 0
    rows = _xlsx_rows(login(people.reform).get(reverse("people:discipline_export") + "?year=2026&form=reprimand"))
    assert rows[1][3] == "Khiển trách" and rows[1][4] == "7/QĐ-UBND"
    assert login(people.leader_b).post(reverse("people:discipline_annul", args=[record.pk]), {"reason": "x"}).status_code == 404
    assert login(people.leader_p).post(reverse("people:discipline_annul", args=[record.pk]), {"reason": ""}).status_code == 400
    assert login(people.leader_p).post(reverse("people:discipline_annul", args=[record.pk]), {"reason": "Hủy theo QĐ 9."}).status_code == 302


def test_training_pages(login, people, place):
    assert login(people.officer).get(reverse("people:course_new")).status_code == 403
    leader = login(people.leader_a)
    assert leader.post(reverse("people:course_new"), {"name": "", "organiser": place.a.code, "start_date": "2026-09-02", "end_date": "2026-09-01",
                                                      "hours": "0"}).status_code == 400
    response = leader.post(reverse("people:course_new"), {"name": "Kỹ năng giao tiếp", "organiser": place.a.code, "start_date": "2026-09-01",
                                                          "end_date": "2026-09-02", "hours": "16"})
    assert response.status_code == 302
    url = response["Location"]
    assert leader.post(url + "attendance/", {"staff": ["motcua", "chuyenvien-a"], "attended": "1"}).status_code == 302
    assert TrainingAttendance.objects.filter(attended=True).count() == 2
    assert leader.post(url + "attendance/", {"staff": ["motcua"], "attended": "0", "completed_on": "2026-09-02"}).status_code == 400
    assert login(people.officer).get(url).status_code == 200  # an attendee
    assert login(people.officer_b).get(url).status_code == 404
    assert login(people.officer).post(url + "attendance/", {"staff": ["motcua"], "attended": "1"}).status_code == 403
    leader = login(people.leader_a)
    rows = _xlsx_rows(leader.get(url + "attendance.xlsx"))
    assert {r[1] for r in rows[1:]} == {"motcua", "chuyenvien-a"}
    rows = _xlsx_rows(leader.get(reverse("people:courses_export")))
    assert rows[1][0] == "Kỹ năng giao tiếp" and rows[1][5] == 2
    mine = login(people.officer).get(reverse("people:mine")).content.decode()
    assert "Kỹ năng giao tiếp" in mine


def test_excel_export_is_formula_safe(login, people, place):
    services.create_course(people.leader_a, name="=HYPERLINK(\"http://x\")", organiser=place.a, start_date=D(2026, 9, 1), end_date=D(2026, 9, 1), hours=1)
    response = login(people.leader_a).get(reverse("people:courses_export"))
    content = response.content
    sheet = load_workbook(io.BytesIO(content)).active
    cell = sheet["A2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s" and cell.quotePrefix
