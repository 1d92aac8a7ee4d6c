"""A citizen files a dossier online from a phone, uploading a real PDF for each document to submit; the one-stop
officer of the chosen centre opens it on the staff pages (desktop) and receives it, which makes the receipt
available; the citizen's lookup then says it has been received, with the appointment for the result."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from congvu.dossiers.models import Dossier
from tests.dossiers.conftest import PASSWORD, catalogue, place, staff  # noqa: F401 (fixtures)
from tests.e2e.conftest import fits_the_screen

pytestmark = pytest.mark.django_db(transaction=True)

CENTRE = "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm"


def _document_label(number: int, name: str):
    """The file field of one document: its label is "<number>. <name>" (the "does not apply" box says its number)."""
    return re.compile(rf"^{number}\. {re.escape(' '.join(name.split()))}$")


def test_citizen_files_online_and_the_officer_receives_it(open_page, staff_login, shots, scan, catalogue, staff):  # noqa: F811
    version = catalogue.five  # re-registration of a birth, 5 working days, filed online
    documents = list(version.documents.filter(group="submit").order_by("position", "id"))
    citizen = open_page(phone=True)

    # The citizen fills the form on a phone and attaches a PDF for every document to submit.
    citizen.goto(f"/nop-truc-tuyen/{version.procedure.code}/")
    expect(citizen.get_by_role("heading", level=1)).to_have_text(version.name)
    citizen.get_by_label("Nơi nộp hồ sơ").select_option(label=CENTRE)
    expect(citizen.get_by_role("radio", name="Công dân")).to_be_checked()
    citizen.get_by_label("Họ và tên").fill("Lê Thị Hoa")
    citizen.get_by_label("Số định danh cá nhân").fill("001190012345")
    citizen.get_by_label("Số điện thoại di động").fill("0987 654 321")
    citizen.get_by_label("Email").fill("hoa@example.vn")
    citizen.get_by_label("Địa chỉ").fill("12 Hàng Bạc, Hoàn Kiếm")
    for number, document in enumerate(documents, start=1):
        citizen.get_by_label(_document_label(number, document.name)).set_input_files(scan(f"giay-to-{number}.pdf"))
    citizen.get_by_label("Nội dung yêu cầu").fill("Đăng ký lại khai sinh cho con")
    citizen.get_by_label(re.compile("^Tôi cam đoan")).check()
    assert fits_the_screen(citizen)
    shots(citizen, "filing-form")
    citizen.get_by_role("button", name="Nộp hồ sơ", exact=True).click()

    # The confirmation gives the code to keep.
    citizen.wait_for_url("**/nop-truc-tuyen/da-nop/**")
    confirmation = citizen.get_by_role("status")
    expect(confirmation.get_by_role("heading", level=1)).to_have_text("Bạn đã nộp hồ sơ thành công")
    code = citizen.locator(".dossier-code").inner_text().strip()
    dossier = Dossier.objects.get(code=code)
    assert dossier.state == "submitted_online" and dossier.receiving_unit.code == "T01-A-TT"
    assert dossier.applicant.full_name == "Lê Thị Hoa" and dossier.documents.count() == len(documents)
    assert all(d.file_id for d in dossier.documents.all())
    assert fits_the_screen(citizen)
    shots(citizen, "filed-confirmation")
    citizen.get_by_role("link", name="Theo dõi hồ sơ này").click()
    citizen.wait_for_url(f"**/tra-cuu/{code}/?t=*")
    expect(citizen.get_by_role("status")).to_contain_text("Đã nộp trực tuyến, đang chờ tiếp nhận")
    expect(citizen.locator(".due-at")).to_have_count(0)  # no appointment before the desk receives it
    shots(citizen, "lookup-waiting")

    # The centre's one-stop officer, on a desktop, finds it waiting on the worklist and receives it.
    officer = staff_login("motcua", PASSWORD)
    officer.goto("/staff/dossiers/viec-can-lam/")
    waiting = officer.get_by_role("region", name="1 hồ sơ nộp trực tuyến đang chờ tiếp nhận")
    expect(waiting.get_by_role("row", name=re.compile(re.escape(code)))).to_contain_text("Lê Thị Hoa")
    shots(officer, "staff-worklist")
    waiting.get_by_role("link", name=code).click()
    officer.wait_for_url(f"**/staff/dossiers/{code}/")
    expect(officer.locator("#dossier-state")).to_have_text("Đã nộp trực tuyến, chưa tiếp nhận")
    expect(officer.get_by_role("heading", name="Giấy tờ đã nộp")).to_be_visible()
    expect(officer.get_by_role("link", name=re.compile("^Tải về")).first).to_be_visible()
    shots(officer, "staff-dossier-submitted")
    receive = officer.get_by_role("form", name="Tiếp nhận", exact=True)
    receive.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(officer.locator("#dossier-state")).to_have_text("Đã tiếp nhận")
    dossier.refresh_from_db()
    assert dossier.state == "received" and dossier.received_by.username == "motcua" and dossier.due_at is not None

    # The receipt (form 01) is now listed and opens as a PDF.
    receipt = officer.get_by_role("link", name=re.compile(r"^Giấy tiếp nhận hồ sơ và hẹn trả kết quả \(Mẫu 01\)"))
    expect(receipt).to_be_visible()
    pdf = officer.request.get(receipt.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    shots(officer, "staff-dossier-received")

    # The citizen's lookup page, reloaded, says so and gives the appointment.
    citizen.reload()
    expect(citizen.get_by_role("status")).to_contain_text("Đã tiếp nhận")
    expect(citizen.locator(".due-at")).to_have_text(timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M"))
    assert fits_the_screen(citizen)
    shots(citizen, "lookup-received")
