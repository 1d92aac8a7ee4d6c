"""The printed forms of Circular 03/2025 (Mẫu 01–07): rendered to PDF, read back with pdftotext, and
checked for their title, the values that matter and their paper size."""

import datetime as dt
import io
import subprocess
import zoneinfo
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from openpyxl import load_workbook
from pypdf import PdfReader

from congvu.catalog import selectors as catalog_selectors
from congvu.catalog import services as catalog_services
from congvu.dossiers import letters
from congvu.dossiers.models import (
    Apology, Applicant, Channel, Closure, Dossier, DossierDocument, DossierStep, IntakeOutcome, IntakeRecord,
    ReturnMethod, Routing, StepStatus, SupplementRequest,
)
from congvu.units.models import UnitKind
from congvu.units.services import add_unit

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
A4 = (595.3, 841.9)
A5 = (419.5, 595.3)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


def text_of(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def flat(pdf: bytes) -> str:
    """The text with line breaks and runs of spaces folded, so a value wrapped across lines still matches."""
    return " ".join(text_of(pdf).split())


def squeezed(pdf: bytes) -> str:
    """The text in reading order (no -layout) with all whitespace removed: a table cell whose text wraps
    inside a narrow column still reads as one string."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def has(pdf_squeezed: str, phrase: str) -> bool:
    return "".join(phrase.split()) in pdf_squeezed


def page_size(pdf: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width), 1), round(float(box.height), 1)


@pytest.fixture
def letter_world(db, django_user_model):
    province = add_unit("Tỉnh Hà Tĩnh", UnitKind.PROVINCE, "HT")
    commune = add_unit("Phường Thành Sen", UnitKind.COMMUNE, "HT-TS", province, identifier="H30.01.02", address="Số 1 Phan Đình Phùng")
    desk = add_unit("Bộ phận Một cửa phường Thành Sen", UnitKind.ONE_STOP_DESK, "HT-TS-1C", commune, phone="0239 3855 555")
    justice = add_unit("Sở Tư pháp tỉnh Hà Tĩnh", UnitKind.DEPARTMENT, "HT-STP", province)
    catalog_services.import_starter_catalog(effective_from=dt.date(2025, 7, 1))
    version = catalog_selectors.version_in_force(catalog_selectors.procedure_by_code("1.001193"))
    officer = django_user_model.objects.create_user("tiepnhan", first_name="Thị Lan", last_name="Nguyễn")
    leader = django_user_model.objects.create_user("lanhdao", first_name="Văn Bình", last_name="Trần")
    applicant = Applicant.objects.create(
        full_name="Lê Thị Hồng Nhung", personal_id="042190001234", phone="0912345678", email="nhung@example.vn",
        address="Tổ dân phố 5, phường Thành Sen",
    )
    received = at(2026, 2, 13, 8, 30)
    dossier = Dossier.objects.create(
        code="H30.01.02-260213-0007", procedure_version=version, receiving_unit=desk, handling_unit=commune, current_unit=commune,
        applicant=applicant, channel=Channel.COUNTER, copies=1, state="processing", received_at=received, received_by=officer,
        clock_started_at=received, original_due_at=at(2026, 2, 23, 16, 0), due_at=at(2026, 2, 23, 16, 0),
    )
    DossierDocument.objects.create(dossier=dossier, name="Tờ khai đăng ký khai sinh theo mẫu", added_at=received)
    DossierDocument.objects.create(dossier=dossier, name="Giấy chứng sinh", added_at=received)
    return {
        "province": province, "commune": commune, "desk": desk, "justice": justice, "version": version, "officer": officer,
        "leader": leader, "applicant": applicant, "dossier": dossier,
    }


# --- Mẫu 01 -------------------------------------------------------------------------------------------


def test_receipt_is_a5_with_title_code_applicant_times_and_documents(letter_world):
    dossier = letter_world["dossier"]
    pdf = letters.receipt_pdf(dossier)
    assert page_size(pdf) == A5
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1  # a slip, signatures on the same sheet
    text = flat(pdf)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    header = squeezed(pdf)
    # A5 is narrow: the office's name wraps beside the motto, so its two halves are checked apart.
    assert has(header, "PHƯỜNG THÀNH SEN") and has(header, "BỘ PHẬN TIẾP NHẬN VÀ TRẢ") and has(header, "KẾT QUẢ Số:")
    assert "Hà Tĩnh, ngày 13 tháng 02 năm 2026" in text
    assert "Mã hồ sơ: H30.01.02-260213-0007" in text
    assert "Lê Thị Hồng Nhung" in text and "042190001234" in text
    assert "Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 13 tháng 02 năm 2026" in text
    assert "Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 00 phút, ngày 23 tháng 02 năm 2026" in text
    assert "1. Tờ khai đăng ký khai sinh theo mẫu" in text and "2. Giấy chứng sinh" in text
    assert "Số lượng hồ sơ: 1 (bộ)" in text
    assert "NGƯỜI NỘP HỒ SƠ" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "Nguyễn Thị Lan" in text
    assert "Đăng ký nhận kết quả tại: Bộ phận Tiếp nhận và Trả kết quả – Bộ phận Một cửa phường Thành Sen" in text


def test_receipt_shows_times_in_vietnam_time_whatever_the_stored_zone(letter_world):
    dossier = letter_world["dossier"]
    dossier.received_at = dt.datetime(2026, 2, 13, 1, 30, tzinfo=dt.UTC)  # 08:30 in Hà Nội
    dossier.save()
    assert "08 giờ 30 phút, ngày 13 tháng 02 năm 2026" in flat(letters.receipt_pdf(dossier))


def test_receipt_lists_required_documents_when_none_were_recorded(letter_world):
    dossier = letter_world["dossier"]
    dossier.documents.all().delete()
    required = [d.name for d in letter_world["version"].documents.filter(group="submit")]
    assert required
    text = flat(letters.receipt_pdf(dossier))
    assert " ".join(required[0].split()) in text


def test_receipt_for_post_return_names_the_address(letter_world):
    dossier = letter_world["dossier"]
    dossier.return_method = ReturnMethod.POST
    dossier.save()
    assert "Tổ dân phố 5, phường Thành Sen" in flat(letters.receipt_pdf(dossier)).split("Đăng ký nhận kết quả tại:")[1]


def test_no_receipt_for_a_dossier_not_yet_received(letter_world):
    dossier = letter_world["dossier"]
    dossier.received_at = None
    with pytest.raises(ValueError):
        letters.receipt_pdf(dossier)


def test_lookup_url_round_trips_and_a_tampered_token_fails(letter_world, settings):
    dossier = letter_world["dossier"]
    settings.CONGVU_PUBLIC_URL = "https://dichvucong.hatinh.gov.vn/"
    url = letters.lookup_url(dossier)
    assert url.startswith("https://dichvucong.hatinh.gov.vn/tra-cuu/H30.01.02-260213-0007/?t=")
    token = parse_qs(urlsplit(url).query)["t"][0]
    assert url.endswith("?t=" + token)  # nothing in the token needed escaping
    assert signing.loads(token, salt=letters.LOOKUP_SALT) == {"code": dossier.code}
    assert letters.dossier_code_from_token(token) == dossier.code
    forged = signing.dumps({"code": "H30.01.02-260213-0008"}, salt="another.salt")
    for bad in [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "H30.01.02-260213-0008"]:
        with pytest.raises(signing.BadSignature):
            letters.dossier_code_from_token(bad)


def test_lookup_url_uses_the_request_host(letter_world, rf, settings):
    settings.ALLOWED_HOSTS = ["motcua.example.vn"]
    request = rf.get("/", HTTP_HOST="motcua.example.vn")
    assert letters.lookup_url(letter_world["dossier"], request).startswith("http://motcua.example.vn/tra-cuu/H30.01.02-260213-0007/?t=")


def test_receipt_embeds_the_qr_image(letter_world):
    pdf = letters.receipt_pdf(letter_world["dossier"])
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1


# --- Mẫu 02 -------------------------------------------------------------------------------------------


def test_supplement_request_at_the_counter(letter_world):
    w = letter_world
    record = IntakeRecord.objects.create(
        unit=w["desk"], procedure_version=w["version"], applicant=w["applicant"], channel=Channel.COUNTER,
        outcome=IntakeOutcome.INCOMPLETE, missing=["Giấy chứng sinh (bản chính)", {"name": "Giấy tờ tùy thân của người đi khai", "note": "bản sao"}],
        reasons="Thiếu giấy chứng sinh", letter_number="12/PBS-TTPVHCC (BPTNTKQ)", officer=w["officer"], at=at(2026, 3, 2, 9, 15),
    )
    pdf = letters.supplement_request_pdf(record)
    assert page_size(pdf) == A4
    text = flat(pdf)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Số: 12/PBS-TTPVHCC (BPTNTKQ)" in text
    assert "Hồ sơ của: Lê Thị Hồng Nhung" in text
    assert "1. Giấy chứng sinh (bản chính)" in text
    assert "2. Giấy tờ tùy thân của người đi khai (bản sao)" in text
    assert "Lý do: Thiếu giấy chứng sinh" in text
    assert "NGƯỜI HƯỚNG DẪN" in text and "Nguyễn Thị Lan" in text
    assert "Hà Tĩnh, ngày 02 tháng 03 năm 2026" in text


def test_supplement_request_during_processing(letter_world):
    w = letter_world
    request = SupplementRequest.objects.create(
        dossier=w["dossier"], number=1, items=["Bản sao giấy chứng nhận kết hôn"], reason="Cần xác định quan hệ cha mẹ",
        letter_number="3/PBS-TTPVHCC (BPTNTKQ)", requested_at=at(2026, 2, 16, 14, 0), requested_by=w["leader"],
    )
    text = flat(letters.supplement_request_pdf(request))
    assert "Mã hồ sơ: H30.01.02-260213-0007" in text
    assert "1. Bản sao giấy chứng nhận kết hôn" in text
    assert "Trần Văn Bình" in text


def test_supplement_request_refuses_an_ineligible_intake_record(letter_world):
    w = letter_world
    record = IntakeRecord(
        unit=w["desk"], procedure_version=w["version"], applicant=w["applicant"], channel=Channel.COUNTER,
        outcome=IntakeOutcome.INELIGIBLE, letter_number="1", officer=w["officer"], at=at(2026, 3, 2, 9, 0),
    )
    with pytest.raises(ValueError):
        letters.supplement_request_pdf(record)


# --- Mẫu 03 -------------------------------------------------------------------------------------------


def test_refusal_at_the_counter(letter_world):
    w = letter_world
    record = IntakeRecord.objects.create(
        unit=w["desk"], procedure_version=w["version"], applicant=w["applicant"], channel=Channel.COUNTER,
        outcome=IntakeOutcome.INELIGIBLE, reasons="Trẻ đã được đăng ký khai sinh tại nơi khác\nKhông thuộc thẩm quyền",
        letter_number="5/PTC-TTPVHCC (BPTNTKQ)", officer=w["officer"], at=at(2026, 3, 3, 10, 0),
    )
    pdf = letters.refusal_pdf(record)
    assert page_size(pdf) == A4
    text = flat(pdf)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Số: 5/PTC-TTPVHCC (BPTNTKQ)" in text
    assert "Tiếp nhận hồ sơ của: Lê Thị Hồng Nhung" in text
    assert "Số định danh cá nhân/tổ chức: 042190001234" in text
    assert "- Trẻ đã được đăng ký khai sinh tại nơi khác" in text and "- Không thuộc thẩm quyền" in text
    assert "Xin thông báo cho Ông/Bà được biết và thực hiện./." in text


def test_refusal_after_appraisal_and_wrong_closure_kind(letter_world):
    w = letter_world
    closure = Closure.objects.create(
        dossier=w["dossier"], kind=Closure.Kind.REFUSED, reason="Hồ sơ giả mạo", letter_number="7/PTC-TTPVHCC (BPTNTKQ)",
        at=at(2026, 2, 18, 15, 0), by=w["leader"],
    )
    text = flat(letters.refusal_pdf(closure))
    assert "Mã hồ sơ (nếu có): H30.01.02-260213-0007" in text and "- Hồ sơ giả mạo" in text
    closure.kind = Closure.Kind.STOPPED
    with pytest.raises(ValueError):
        letters.refusal_pdf(closure)


# --- Mẫu 04 -------------------------------------------------------------------------------------------


def test_apology_names_old_and_new_appointments(letter_world):
    w = letter_world
    apology = Apology.objects.create(
        dossier=w["dossier"], unit=w["commune"], reason="Cần xác minh thông tin tại nơi cư trú cũ",
        previous_due_at=at(2026, 2, 23, 16, 0), new_due_at=at(2026, 2, 26, 10, 0), letter_number="2/PXL",
        issued_at=at(2026, 2, 20, 9, 0), issued_by=w["leader"],
    )
    pdf = letters.apology_pdf(apology)
    assert page_size(pdf) == A4
    text = flat(pdf)
    assert "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert "Số: 2/PXL" in text
    assert "Kính gửi: Lê Thị Hồng Nhung" in text
    assert "Thời gian hẹn trả kết quả giải quyết hồ sơ: 16 giờ 00 phút, ngày 23 tháng 02 năm 2026" in text
    assert "hẹn trả kết quả vào 10 giờ 00 phút, ngày 26 tháng 02 năm 2026" in text
    assert "Lý do: Cần xác minh thông tin tại nơi cư trú cũ" in text
    assert "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in text and "Trần Văn Bình" in text
    assert "mã số hồ sơ: H30.01.02-260213-0007" in text


# --- Mẫu 05 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Closure.Kind.STOPPED, Closure.Kind.WITHDRAWN])
def test_stop_notice(letter_world, kind):
    w = letter_world
    closure = Closure.objects.create(
        dossier=w["dossier"], kind=kind, reason="Công dân đề nghị rút hồ sơ", letter_number="4/TBD-TTPVHCC (BPTNTKQ)",
        at=at(2026, 2, 17, 10, 45), by=w["officer"],
    )
    pdf = letters.stop_notice_pdf(closure)
    assert page_size(pdf) == A4
    text = flat(pdf)
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "Số: 4/TBD-TTPVHCC (BPTNTKQ)" in text
    assert "Mã hồ sơ: H30.01.02-260213-0007" in text
    assert "kể từ 10 giờ 45 phút, ngày 17 tháng 02 năm 2026" in text
    assert "Điều 21 Nghị định số 118/2025/NĐ-CP" in text
    assert ("đề nghị dừng giải quyết hồ sơ của Ông/Bà/Tổ chức" in text) == (kind == Closure.Kind.WITHDRAWN)


def test_stop_notice_refuses_a_refusal(letter_world):
    closure = Closure(dossier=letter_world["dossier"], kind=Closure.Kind.REFUSED, reason="x", letter_number="1", at=at(2026, 2, 17, 10, 0))
    with pytest.raises(ValueError):
        letters.stop_notice_pdf(closure)


# --- Mẫu 06 -------------------------------------------------------------------------------------------


def test_control_sheet_lists_handovers_with_timeliness(letter_world):
    w = letter_world
    dossier = w["dossier"]
    DossierStep.objects.create(
        dossier=dossier, position=1, name="Thẩm định hồ sơ", unit=w["commune"], share=Decimal("0.5"), status=StepStatus.DONE,
        started_at=at(2026, 2, 13, 9, 0), due_at=at(2026, 2, 18, 17, 0), finished_at=at(2026, 2, 16, 11, 0),
    )
    DossierStep.objects.create(
        dossier=dossier, position=2, name="Phê duyệt", unit=w["justice"], share=Decimal("0.5"), status=StepStatus.DONE,
        started_at=at(2026, 2, 16, 11, 5), due_at=at(2026, 2, 20, 17, 0), finished_at=at(2026, 2, 23, 9, 0), overran=True,
    )
    Routing.objects.create(dossier=dossier, from_unit=w["commune"], to_unit=w["justice"], at=at(2026, 2, 16, 11, 5))
    handovers = letters.handovers(dossier)
    assert [(h.giver, h.receiver, h.result) for h in handovers] == [
        ("Bộ phận TN&TKQ", "Phường Thành Sen", ""),
        ("Phường Thành Sen", "Sở Tư pháp tỉnh Hà Tĩnh", "Trước hạn"),
        ("Sở Tư pháp tỉnh Hà Tĩnh", "Bộ phận TN&TKQ", "Quá hạn"),
    ]
    pdf = letters.control_sheet_pdf(dossier)
    assert page_size(pdf) == A4
    text = flat(pdf)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Mã số hồ sơ: H30.01.02-260213-0007" in text
    assert "Cơ quan phối hợp giải quyết hồ sơ: Sở Tư pháp tỉnh Hà Tĩnh" in text
    assert has(squeezed(pdf), "11 giờ 05 phút, ngày 16 tháng 02 năm 2026")
    assert "Trước hạn" in text and "Quá hạn" in text
    assert squeezed(pdf).count("Ngườigiao") == 4  # the form's four blocks, filled or ruled


def test_step_timeliness_classes():
    due = at(2026, 2, 20, 17, 0)
    assert letters.step_timeliness(at(2026, 2, 19, 10, 0), due) == "Trước hạn"
    assert letters.step_timeliness(at(2026, 2, 20, 9, 0), due) == "Đúng hạn"
    assert letters.step_timeliness(at(2026, 2, 20, 17, 1), due) == "Quá hạn"
    assert letters.step_timeliness(None, due) == ""


# --- Mẫu 07 -------------------------------------------------------------------------------------------


def test_register_pdf_is_landscape_with_the_eleven_columns(letter_world):
    w = letter_world
    dossier = w["dossier"]
    dossier.returned_at = at(2026, 2, 23, 10, 0)
    dossier.return_method = ReturnMethod.COUNTER
    dossier.returned_to = "Lê Thị Hồng Nhung"
    dossier.save()
    Dossier.objects.create(
        code="H30.01.02-251231-0001", procedure_version=w["version"], receiving_unit=w["desk"], handling_unit=w["commune"],
        current_unit=w["commune"], applicant=w["applicant"], channel=Channel.ONLINE, state="processing",
        received_at=at(2025, 12, 31, 16, 0),
    )
    pdf = letters.register_pdf(w["desk"], 2026, Dossier.objects.all())
    width, height = page_size(pdf)
    assert (width, height) == (A4[1], A4[0])
    text = squeezed(pdf)
    assert has(text, "SỔ THEO DÕI HỒ SƠ") and has(text, "Năm 2026")
    # Neighbouring header cells that wrap interleave in any text extraction, so the 11 columns are checked by
    # their words, within the table's header (before the first row's code).
    header_words = text_of(pdf).split("H30.01.02-260213-0007")[0].split()
    for header in ["STT", "Mã hồ sơ", "Tên TTHC", "Tên tổ chức, cá nhân", "Địa chỉ/SĐT", "Cơ quan chủ trì giải quyết",
                   "Nhận và trả kết quả", "Nhận hồ sơ", "Hẹn trả kết quả", "Trả kết quả", "Phương thức nhận kết quả", "Ký nhận"]:
        assert all(word in header_words for word in header.split()), header
    assert has(text, "Nhận và trả kết quả") and has(text, "Tên TTHC") and has(text, "Địa chỉ/SĐT")
    assert has(text, "H30.01.02-260213-0007")
    assert not has(text, "H30.01.02-251231-0001")  # received in 2025
    assert has(text, "08:30 13/02/2026") and has(text, "Lê Thị Hồng Nhung") and has(text, "Tại Bộ phận Một cửa")


def test_register_xlsx_has_the_same_rows_in_vietnam_time(letter_world):
    w = letter_world
    data = letters.register_xlsx(w["desk"], 2026, Dossier.objects.all())
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [c for c in rows[0]] == [name for name, _width in letters.REGISTER_COLUMNS]
    assert len(rows[0]) == 11
    assert rows[1][:4] == (1, "H30.01.02-260213-0007", w["version"].name, "Lê Thị Hồng Nhung")
    # The phone is masked in the register as in every list of applicants (Decree 13/2023).
    assert rows[1][4] == "Tổ dân phố 5, phường Thành Sen / 091****678"
    assert rows[1][6] == dt.datetime(2026, 2, 13, 8, 30)
    assert rows[1][7] == dt.datetime(2026, 2, 23, 16, 0)


def test_register_accepts_a_plain_list(letter_world):
    rows = letters.register_rows(2026, [letter_world["dossier"]])
    assert rows[0][1] == "H30.01.02-260213-0007"
    assert letters.register_rows(2025, [letter_world["dossier"]]) == []
