"""The PAR pages: who gets a form, a 403 or a 404; posting a self-assessment and a verification; evidence
uploads refused by content; results, chart data and Excel exports; loading frameworks from files."""

import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from congvu.reform import services
from congvu.reform.models import Assessment, AssessmentState, Framework, Verification
from congvu.reform.services import Decision, SelfEntry

from .conftest import D, small_framework_data

pytestmark = pytest.mark.django_db


def ids(framework):
    return {c.code: c.pk for c in framework.criteria.all()}


def page(framework, unit, name="reform:assessment"):
    return reverse(name, args=[framework.pk, unit.code])


def test_staff_home_card_and_home(login, people, framework):
    client = login(people.leader_a)
    home = client.get(reverse("staff:home"))
    assert reverse("reform:home") in home.content.decode()
    response = client.get(reverse("reform:home"))
    assert response.status_code == 200 and framework.name in response.content.decode()


def test_leader_saves_a_draft_and_submits_through_the_page(login, people, place, framework, measured):
    measured[("on_time_rate", "T01-A")] = D("99")
    c = ids(framework)
    client = login(people.leader_a)
    assert client.get(page(framework, place.a)).status_code == 200
    post = {f"p_{c['1.1']}": "1,5", f"e_{c['1.1']}": "Kế hoạch số 12", f"p_{c['1.2']}": "2", f"p_{c['2.1']}": "", "action": "save",
            f"f_{c['1.1']}": SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.7 x", content_type="application/pdf")}
    response = client.post(page(framework, place.a), post)
    assert response.status_code == 302
    a = Assessment.objects.get(framework=framework, unit=place.a)
    assert a.state == AssessmentState.DRAFT and a.self_score == D("3.5")
    assert a.scores.get(criterion__code="1.1").evidence.count() == 1
    # Submitting with a criterion left empty: 400, the missing criterion named, still a draft.
    post.pop(f"f_{c['1.1']}")
    response = client.post(page(framework, place.a), {**post, "action": "submit"})
    assert response.status_code == 400 and "2.1" in response.content.decode()
    a.refresh_from_db()
    assert a.state == AssessmentState.DRAFT
    response = client.post(page(framework, place.a), {**post, f"p_{c['2.1']}": "3", "action": "submit"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == AssessmentState.SUBMITTED and a.self_score == D("9.5")  # 1.5 + 2 + 3 + 3 (99 ≥ 98)
    # Locked: the page shows no form any more.
    assert b'name="action" value="submit"' not in client.get(page(framework, place.a)).content


def test_bad_points_and_bad_evidence_show_errors_and_write_nothing(login, people, place, framework):
    c = ids(framework)
    client = login(people.leader_a)
    response = client.post(page(framework, place.a), {f"p_{c['1.1']}": "2", "action": "save"})
    assert response.status_code == 400 and "1,5" in response.content.decode()
    exe = SimpleUploadedFile("minh-chung.pdf", b"MZ\x90\x00\x03", content_type="application/pdf")
    response = client.post(page(framework, place.a), {f"p_{c['1.1']}": "1", f"f_{c['1.1']}": exe, "action": "save"})
    assert response.status_code == 400
    assert "không thuộc loại được chấp nhận" in response.content.decode() or "PDF" in response.content.decode()
    a = Assessment.objects.get(framework=framework, unit=place.a)
    assert a.scores.get(criterion__code="1.1").self_points is None


def test_other_units_leader_gets_404_and_undelegated_staff_403(login, people, place, framework):
    assert login(people.leader_b).get(page(framework, place.a)).status_code == 404
    client = login(people.specialist_a)
    response = client.post(page(framework, place.a), {"action": "save"})
    assert response.status_code == 403
    assert not Assessment.objects.filter(framework=framework, unit=place.a).exists()


def test_delegation_through_the_page(login, people, place, framework):
    client = login(people.leader_a)
    client.post(page(framework, place.a), {"action": "save"})
    response = client.post(page(framework, place.a, "reform:delegates"), {"delegate": [people.specialist_a.username]})
    assert response.status_code == 302
    c = ids(framework)
    response = login(people.specialist_a).post(page(framework, place.a), {f"p_{c['1.1']}": "1", "action": "save"})
    assert response.status_code == 302


def submitted(framework, place, people):
    a = services.open_assessment(framework, place.a, people.leader_a)
    services.save_self_assessment(a, people.leader_a, {"1.1": SelfEntry(D("1.5")), "1.2": SelfEntry(D(2)), "2.1": SelfEntry(D(3))})
    return services.submit_assessment(a, people.leader_a)


def test_verification_page_only_for_the_reform_office(login, people, place, framework, measured):
    submitted(framework, place, people)
    for user in (people.leader_a, people.inspector):
        response = login(user).get(page(framework, place.a, "reform:verify"))
        assert response.status_code == 403
    assert login(people.reform).get(page(framework, place.a, "reform:verify")).status_code == 200


def test_verify_with_correction_through_the_page(login, people, place, framework, measured):
    measured[("on_time_rate", "T01-A")] = D("50")  # below every threshold → 0
    submitted(framework, place, people)
    c = ids(framework)
    client = login(people.reform)
    url = page(framework, place.a, "reform:verify")
    base = {f"v_{c['1.1']}": "accepted", f"v_{c['1.2']}": "accepted", f"v_{c['2.1']}": "corrected", f"vp_{c['2.1']}": "2", "action": "finish"}
    response = client.post(url, base)  # no reason
    assert response.status_code == 400 and "lý do" in response.content.decode()
    response = client.post(url, {**base, f"vr_{c['2.1']}": "Thiếu niêm yết 1 thủ tục"})
    assert response.status_code == 302
    a = Assessment.objects.get(framework=framework, unit=place.a)
    assert a.state == AssessmentState.VERIFIED and a.final_score == D("5.5")  # 1.5 + 2 + 2 + 0
    # Results: reform office sees them; the leader only after publishing.
    assert login(people.leader_a).get(reverse("reform:results", args=[framework.pk])).status_code == 403
    client = login(people.reform)
    response = client.get(reverse("reform:results", args=[framework.pk]))
    assert response.status_code == 200 and 'id="par-chart-data"' in response.content.decode()
    assert client.post(reverse("reform:publish", args=[framework.pk])).status_code == 302
    leader = login(people.leader_a)
    assert leader.get(reverse("reform:results", args=[framework.pk])).status_code == 200
    export = leader.get(reverse("reform:results_export", args=[framework.pk]))
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == (1, "Phường Hoàn Kiếm", "T01-A", 5.5, "D")


def test_criteria_export(login, people, framework):
    response = login(people.leader_a).get(reverse("reform:framework_export", args=[framework.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["1", "1.1", "1.2", "2", "2.1", "2.2"]
    assert rows[2][2] == 1.5


def test_evidence_download_scoped(login, people, place, framework, client):
    a = services.open_assessment(framework, place.a, people.leader_a)
    services.save_self_assessment(a, people.leader_a, {}, files={"1.1": [SimpleUploadedFile("x.pdf", b"%PDF-1.4 hi")]})
    evidence = a.scores.get(criterion__code="1.1").evidence.get()
    url = reverse("reform:evidence", args=[evidence.pk])
    assert login(people.leader_b).get(url).status_code == 404
    response = login(people.reform).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 hi"


# ------------------------------------------------------------------------------------------- import


def test_import_json_through_the_page_and_errors_in_vietnamese(login, people):
    client = login(people.reform)
    data = small_framework_data(year=2027)
    ok = client.post(reverse("reform:import"), {"file": SimpleUploadedFile("khung.json", json.dumps(data).encode())})
    assert ok.status_code == 302 and Framework.objects.filter(year=2027).exists()
    data["areas"][0]["max_points"] = 5
    bad = client.post(reverse("reform:import"), {"file": SimpleUploadedFile("khung.json", json.dumps(data).encode()), "year": 2028})
    assert bad.status_code == 400 and "không bằng tổng" in bad.content.decode()
    assert not Framework.objects.filter(year=2028).exists()
    assert login(people.leader_a).get(reverse("reform:import")).status_code == 403


def workbook(info, rows) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Thông tin"
    for row in info:
        sheet.append(row)
    crit = wb.create_sheet("Tiêu chí")
    crit.append(["Mã", "Nội dung", "Điểm tối đa", "Chỉ số gắn", "Cách tính", "Hệ số / ngưỡng", "Hướng dẫn"])
    for row in rows:
        crit.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


INFO = [["Tên", "Bộ chỉ số sở 2026"], ["Năm", 2026], ["Đối tượng", "sở"], ["Tổng điểm", 10], ["Xếp loại", "A:9; B:8; C:7; D:0"]]


def test_import_excel_workbook(people):
    from congvu.reform.imports import read_framework_file

    content = workbook(INFO, [
        ["1", "Chỉ đạo", 4], ["1.1", "Kế hoạch", 4, None, None, None, "Quyết định ban hành"],
        ["2", "Thủ tục", 6], ["2.1", "Đúng hạn", 6, "on_time_rate", "ngưỡng", "98:6; 90:3"],
    ])
    framework = services.install_framework(read_framework_file(content, "khung.xlsx"), actor=people.reform)
    assert (framework.target, framework.year, framework.total_points) == ("department", 2026, D(10))
    bound = framework.criteria.get(code="2.1")
    assert bound.scoring == {"method": "thresholds", "thresholds": [["98", "6"], ["90", "3"]]}
    assert framework.band_pairs[0] == ("A", D(9))


def test_excel_import_errors_name_the_row(people):
    from congvu.reform.framework import FrameworkError
    from congvu.reform.imports import read_framework_file

    content = workbook(INFO, [["1", "Chỉ đạo", 4], ["1.1.1", "Mồ côi", 4], ["2", "Thủ tục", 6], ["2.1", "Đúng hạn", 6, "on_time_rate", "bậc thang", ""]])
    with pytest.raises(FrameworkError) as caught:
        read_framework_file(content, "khung.xlsx")
    text = " ".join(caught.value.messages)
    assert "dòng 3" in text and "1.1.1" in text and "dòng 5" in text
    wb = Workbook()
    wb.active.title = "Khác"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(FrameworkError) as caught:
        read_framework_file(out.getvalue(), "khung.xlsx")
    assert any("Thông tin" in m for m in caught.value.messages)
    with pytest.raises(FrameworkError):
        read_framework_file(b"PK\x03\x04 broken", "khung.xlsx")
    with pytest.raises(FrameworkError):
        read_framework_file(b"not a framework", "khung.txt")


def test_admin_refuses_a_tree_whose_sums_do_not_match(admin_client, framework):
    c = {x.code: x for x in framework.criteria.all()}
    url = reverse("admin:reform_framework_change", args=[framework.pk])
    post = {"name": framework.name, "year": framework.year, "target": framework.target, "total_points": "10",
            "bands": json.dumps(framework.bands), "legal_basis": "", "criteria-TOTAL_FORMS": str(len(c)), "criteria-INITIAL_FORMS": str(len(c)),
            "criteria-MIN_NUM_FORMS": "0", "criteria-MAX_NUM_FORMS": "1000"}
    for i, x in enumerate(framework.criteria.order_by("order")):
        post.update({f"criteria-{i}-id": x.pk, f"criteria-{i}-framework": framework.pk, f"criteria-{i}-order": x.order, f"criteria-{i}-code": x.code,
                     f"criteria-{i}-name": x.name, f"criteria-{i}-parent": x.parent_id or "", f"criteria-{i}-max_points": str(x.max_points),
                     f"criteria-{i}-metric": x.metric, f"criteria-{i}-scoring": json.dumps(x.scoring) if x.scoring else "", f"criteria-{i}-guidance": ""})
    index = list(framework.criteria.order_by("order").values_list("code", flat=True)).index("1.1")
    post[f"criteria-{index}-max_points"] = "2"
    response = admin_client.post(url, post)
    assert response.status_code == 200 and "không bằng" in response.content.decode()
    assert framework.criteria.get(code="1.1").max_points == D("1.5")
    post[f"criteria-{index}-max_points"] = "1.5"
    assert admin_client.post(url, post).status_code == 302


def test_reform_admin_cannot_fill_in_a_units_self_assessment_and_nothing_is_written(login, people, place, framework):
    response = login(people.reform).post(page(framework, place.a), {"action": "save"})
    assert response.status_code == 403 and "lãnh đạo đơn vị" in response.content.decode()
    assert not Assessment.objects.filter(framework=framework, unit=place.a).exists()
