"""Public catalogue pages: search, filters, pages, Excel, a procedure's page and its PDF guidance sheet."""

import datetime as dt
import io
import re
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from congvu.catalog import selectors, services
from congvu.catalog.models import Procedure, ProcedureVersion, VersionStatus

pytestmark = pytest.mark.django_db
INCOMPLETE_BADGE = "chưa đủ thông tin để tiếp nhận"


def text_of(response) -> str:
    return response.content.decode()


def test_accent_insensitive_search_finds_birth_registration(starter):
    for query in ["dang ky khai sinh", "Đăng ký khai sinh", "ĐĂNG KÝ  KHAI   SINH", "khai sinh dang ky", "1.001193"]:
        codes = set(selectors.search_versions(query).values_list("procedure__code", flat=True))
        assert "1.001193" in codes, query
    assert set(selectors.search_versions("dang ky khai sinh").values_list("procedure__code", flat=True)) == {
        "1.001193", "1.000689", "1.004884", "2.000528", "2.000986", "2.001023",
    }
    assert not selectors.search_versions("khai sinh zzz").exists()


def test_filters_and_sort(starter):
    assert selectors.search_versions(field="ho-tich").count() == 14
    assert selectors.search_versions(level="province").count() == 14
    permits = selectors.search_versions("giay phep", level="province").values_list("procedure__code", flat=True)
    assert list(permits) == ["1.013236", "3.000347", "3.000348"]
    codes = list(selectors.search_versions().values_list("procedure__code", flat=True))
    assert codes == sorted(codes)
    names = list(selectors.search_versions(field="ho-tich", sort="name").values_list("name", flat=True))
    # Vietnamese order: "Cấp bản sao…" before "Liên thông…" before "Thủ tục…" ("Đ…" would come after "D…", never after "Z").
    assert names[0].startswith("Cấp bản sao") and names[-1].startswith("Thủ tục thay đổi")


def test_list_page_shows_procedures_and_marks_the_incomplete(starter, client):
    response = client.get(reverse("catalog:procedure_list"))
    assert response.status_code == 200
    body = text_of(response)
    assert "50 thủ tục" in body
    first_page = list(selectors.search_versions()[:20])  # ordered by code
    assert sum(not v.is_complete for v in first_page) == 12
    assert body.lower().count(INCOMPLETE_BADGE) == 12
    assert "Thủ tục đăng ký khai tử" in body


def test_the_site_home_is_the_portal_which_links_to_the_catalogue(starter, client):
    home = client.get("/")
    assert home.status_code == 200 and home.resolver_match.view_name == "portal:home"
    assert reverse("catalog:procedure_list") in text_of(home)


def test_list_filter_for_online_filing(starter, client):
    services.apply_demo_completion_rules()
    online = client.get(reverse("catalog:procedure_list"), {"online": "on"})
    codes = {v.procedure.code for v in online.context["page"].object_list}
    assert "1.001193" in codes  # complete and offered online
    assert "2.000986" not in codes  # not offered online
    assert "2.000635" not in codes  # offered online but without a time limit: cannot receive yet
    assert 'name="online" id="id_online" value="on" checked' in text_of(online)
    assert "online=True" in online.context["query_string"]


def test_detail_page_offers_online_filing_only_when_it_is_possible(starter, client):
    services.apply_demo_completion_rules()
    birth = text_of(client.get(reverse("catalog:procedure_detail", args=["1.001193"])))
    assert reverse("portal:file_online", args=["1.001193"]) in birth and "Nộp hồ sơ trực tuyến thủ tục này" in birth
    for code in ("2.000986", "2.000635"):
        assert reverse("portal:file_online", args=[code]) not in text_of(client.get(reverse("catalog:procedure_detail", args=[code])))


def test_list_page_search_filter_and_pagination(starter, client):
    body = text_of(client.get(reverse("catalog:procedure_list"), {"q": "dang ky khai sinh"}))
    assert "Thủ tục đăng ký khai sinh" in body and "6 thủ tục" in body
    page2 = client.get(reverse("catalog:procedure_list"), {"field": "ho-tich", "page": "2", "sort": "name"})
    assert page2.status_code == 200  # 14 civil-status procedures fit on one page: page 2 shows the last one
    assert (page2.context["page"].number, len(page2.context["page"].object_list)) == (1, 14)
    page3 = client.get(reverse("catalog:procedure_list"), {"page": "3"})
    assert len(page3.context["page"].object_list) == 10


@pytest.mark.parametrize("params", [
    {"page": "abc"}, {"page": "9999"}, {"field": "<script>"}, {"level": "galaxy"}, {"sort": "-id; DROP TABLE"}, {"q": "x" * 500},
    {"include_abolished": "maybe"},
])
def test_list_page_never_fails_on_bad_input(starter, client, params):
    response = client.get(reverse("catalog:procedure_list"), params)
    assert response.status_code == 200


def test_excel_export_of_the_filtered_list(starter, client):
    response = client.get(reverse("catalog:procedure_export"), {"field": "ho-tich"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Mã thủ tục", "Tên thủ tục")
    assert len(rows) == 15
    birth = next(r for r in rows if r[0] == "1.001193")
    assert birth[1] == "Thủ tục đăng ký khai sinh" and birth[10] == "Chưa"


def test_excel_cells_cannot_become_formulas(starter, client, version_of):
    version = version_of("1.004222")
    ProcedureVersion.objects.filter(pk=version.pk).update(name='=HYPERLINK("http://evil.example","Bấm vào")')
    version.fees.filter(position=0).update(name="+SUM(1,2)")
    response = client.get(reverse("catalog:procedure_export"), {"q": "1.004222"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    name_cell, fee_cell = sheet.cell(row=2, column=2), sheet.cell(row=2, column=7)
    assert name_cell.value == '=HYPERLINK("http://evil.example","Bấm vào")'
    assert name_cell.data_type == "s" and name_cell.quotePrefix
    assert fee_cell.data_type == "s" and fee_cell.value.startswith("+SUM(1,2)")
    assert fee_cell.quotePrefix


def test_detail_page_says_what_to_bring_what_it_costs_and_how_long(starter, client):
    response = client.get(reverse("catalog:procedure_detail", args=["2.001035"]))
    assert response.status_code == 200
    body = text_of(response)
    assert "Chứng thực giao dịch liên quan đến tài sản" in body
    assert "50.000 đồng" in body
    assert "Giấy tờ phải nộp" in body and "Dự thảo giao dịch" in body
    assert "Người yêu cầu chứng thực nộp 01 (một) bộ hồ sơ" in body  # the case heading the portal lists them under
    assert "Không có thông tin" in body  # the time as published per channel
    residence = text_of(client.get(reverse("catalog:procedure_detail", args=["1.004222"])))
    assert "7 ngày làm việc" in residence
    assert "10.000 đồng" in residence and "20.000 đồng" in residence
    assert "Luật Cư trú (68/2020/QH14)" in residence
    assert "https://dichvucong.gov.vn/" in residence
    assert INCOMPLETE_BADGE not in residence.lower()


def test_detail_page_of_an_incomplete_procedure_lists_what_is_missing(starter, client):
    body = text_of(client.get(reverse("catalog:procedure_detail", args=["2.001610"])))
    assert INCOMPLETE_BADGE in body.lower()
    assert "100 VNĐ" in body
    assert "Lệ phí chưa có số tiền" in body


def test_detail_page_shows_originals_and_copies(starter, client):
    body = text_of(client.get(reverse("catalog:procedure_detail", args=["2.001263"])))
    version = selectors.version_detail(Procedure.objects.get(code="2.001263"))
    doc = version.documents.first()
    assert doc.name[:40] in body
    assert "Bản chính" in body and "Bản sao" in body


def test_abolished_and_old_versions_stay_readable(starter, client):
    procedure = Procedure.objects.get(code="1.004222")
    services.abolish_procedure(procedure, decision_number="15/QĐ-UBND", effective_from=dt.date(2025, 8, 1))
    body = text_of(client.get(reverse("catalog:procedure_detail", args=["1.004222"])))
    assert "đã bị bãi bỏ từ 01/08/2025" in body
    old = client.get(reverse("catalog:procedure_version", args=["1.004222", 1]))
    assert old.status_code == 200 and "không còn hiệu lực" in text_of(old)
    assert "1.004222" not in {v.procedure.code for v in selectors.search_versions()}
    assert "1.004222" in {v.procedure.code for v in selectors.search_versions(include_abolished=True)}


def test_unknown_procedure_is_404(starter, client):
    assert client.get(reverse("catalog:procedure_detail", args=["9.999999"])).status_code == 404
    assert client.get(reverse("catalog:procedure_version", args=["1.001193", 7])).status_code == 404
    assert client.get(reverse("catalog:procedure_guide_pdf", args=["9.999999"])).status_code == 404


def test_future_version_is_not_shown_before_it_takes_effect(starter, client):
    procedure = Procedure.objects.get(code="1.004222")
    version = procedure.versions.get()
    version.pk, version.number, version.effective_from, version.name = None, 2, dt.date(2099, 1, 1), "Tên tương lai"
    version.status = VersionStatus.PUBLISHED
    version.save()
    assert "Tên tương lai" not in text_of(client.get(reverse("catalog:procedure_detail", args=["1.004222"])))
    announced = text_of(client.get(reverse("catalog:procedure_version", args=["1.004222", 2])))
    assert "Tên tương lai" in announced and "có hiệu lực từ ngày 01/01/2099" in announced


def test_guidance_pdf_contains_the_vietnamese_exactly(starter, client):
    services.apply_demo_completion_rules()
    response = client.get(reverse("catalog:procedure_guide_pdf", args=["1.001193"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=response.content, capture_output=True, check=True).stdout.decode("utf-8")
    assert "Thủ tục đăng ký khai sinh" in text
    assert "HƯỚNG DẪN THỰC HIỆN THỦ TỤC HÀNH CHÍNH" in text
    assert "Giấy khai sinh" in text  # the result
    flowing = re.sub(r"\s+", " ", text)  # table cells wrap long names over lines
    assert "Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng xác nhận về việc sinh" in flowing
    assert "1 ngày làm việc" in flowing
    assert "Miễn phí" in flowing


def test_guidance_pdf_is_a4_with_a_heading(starter, client):
    from pypdf import PdfReader

    response = client.get(reverse("catalog:procedure_guide_pdf", args=["1.004222"]))
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    assert "Đăng ký thường trú" in reader.pages[0].extract_text()
