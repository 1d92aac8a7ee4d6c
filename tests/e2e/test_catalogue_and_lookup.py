"""A citizen on a phone finds a procedure without typing accents, reads what to bring, what it costs and how long
it takes, then looks a received dossier up: by code and the last 4 digits of the phone, and by the receipt's QR
link. Wrong digits get the same answer as an unknown code."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from congvu.dossiers.letters import lookup_url
from tests.dossiers.conftest import catalogue, place, receive, staff  # noqa: F401 (fixtures)
from tests.e2e.conftest import fits_the_screen, path_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_citizen_finds_a_procedure_and_looks_a_dossier_up_on_a_phone(open_page, shots, receive):  # noqa: F811
    dossier = receive()  # received at the ward's centre; the applicant's phone is 0912 345 678
    page = open_page(phone=True)

    # Search from the home page, without accents.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    shots(page, "home")
    search = page.get_by_role("searchbox", name="Bạn cần tìm thủ tục nào?")
    search.fill("dang ky khai sinh")
    search.press("Enter")
    page.wait_for_url("**/thu-tuc/?q=*")
    result = page.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True)
    expect(result).to_be_visible()
    assert fits_the_screen(page)
    shots(page, "search-results")

    # The procedure: documents, fees, time limit, and the printable guidance.
    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục đăng ký khai sinh")
    expect(page.get_by_role("heading", name="Thành phần hồ sơ", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Giấy tờ phải nộp", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("^Giấy chứng sinh"))).to_be_visible()
    expect(page.get_by_role("heading", name="Phí, lệ phí", exact=True)).to_be_visible()
    fees = page.locator("section", has=page.get_by_role("heading", name="Phí, lệ phí", exact=True))
    expect(fees.get_by_role("table")).to_contain_text("Miễn phí")
    limit = page.locator("dl.procedure-meta dt", has_text="Thời hạn giải quyết").locator("xpath=following-sibling::dd[1]")
    expect(limit).to_contain_text("1 ngày làm việc")
    guide = page.get_by_role("link", name="Phiếu hướng dẫn để in (PDF)")
    expect(guide).to_have_attribute("href", "/thu-tuc/1.001193/huong-dan.pdf")
    pdf = page.request.get(guide.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    assert fits_the_screen(page)
    shots(page, "procedure-detail")

    # The lookup form, reached from the menu as on a phone.
    page.get_by_role("button", name="Mở trình đơn").click()
    page.get_by_role("link", name="Tra cứu hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tra cứu hồ sơ")
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_label("4 số cuối số điện thoại của bạn").fill("5678")
    shots(page, "lookup-form")
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    page.wait_for_url(f"**/tra-cuu/{dossier.code}/?t=*")
    _shows_the_received_dossier(page, dossier)
    shots(page, "lookup-result")

    # Wrong digits: the generic answer, which says nothing about whether the code exists.
    page.goto("/tra-cuu/")
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_label("4 số cuối số điện thoại của bạn").fill("1234")
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Không tìm thấy hồ sơ phù hợp")
    expect(alert).to_be_focused()
    expect(page.get_by_label("Mã hồ sơ")).to_have_value("")  # nothing echoed back
    expect(page.get_by_text("Đã tiếp nhận")).to_have_count(0)
    unknown = page.content()
    shots(page, "lookup-wrong-digits")
    page.get_by_label("Mã hồ sơ").fill("H99.01.TT1-260302-9999")
    page.get_by_label("4 số cuối số điện thoại của bạn").fill("5678")
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Không tìm thấy hồ sơ phù hợp")
    assert _without_csrf(page.content()) == _without_csrf(unknown)

    # The receipt's QR code opens the same page without typing anything.
    qr = open_page(phone=True)
    qr.goto(path_of(lookup_url(dossier)))
    _shows_the_received_dossier(qr, dossier)
    shots(qr, "lookup-by-qr-link")


def _shows_the_received_dossier(page, dossier):
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {dossier.code}")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Đã tiếp nhận")
    expect(status).to_contain_text("Hồ sơ của bạn đã được tiếp nhận")
    due = timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M")
    expect(page.locator(".due-at")).to_have_text(due)
    expect(page.get_by_role("heading", name="Quá trình xử lý hồ sơ")).to_be_visible()
    timeline = page.locator("ol.timeline > li")
    expect(timeline.first).to_contain_text("02/03/2026 09:00")
    expect(timeline.first).to_contain_text("Trung tâm Phục vụ hành chính công phường Hoàn Kiếm")
    # Never the officers: no name, no username.
    expect(page.locator("main")).not_to_contain_text("motcua")
    assert fits_the_screen(page)


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
