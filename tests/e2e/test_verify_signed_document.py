"""A citizen on a phone checks the receipt they were given: from the menu to /xac-thuc-van-ban/, a signed PDF
reads as valid with the unit's name, a tampered copy as altered, a picture renamed .pdf gets the error summary
(focused, linking to the field). Nothing runs a script the CSP refuses, nothing overflows the screen."""

import pytest
from playwright.sync_api import expect

from congvu.signing import services
from tests.e2e.conftest import fits_the_screen
from tests.signing.conftest import certified, plain_pdf, units  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_citizen_checks_a_signed_receipt_on_a_phone(open_page, shots, certified, plain_pdf, tmp_path):  # noqa: F811
    signed = services.sign_as_unit(plain_pdf, certified.centre)
    good, bad, picture = tmp_path / "giay-tiep-nhan.pdf", tmp_path / "ban-sua.pdf", tmp_path / "anh.pdf"
    good.write_bytes(signed)
    tampered = bytearray(signed)
    tampered[signed.index(b"/MediaBox") + 1] = ord("N")
    bad.write_bytes(bytes(tampered))
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)

    page = open_page(phone=True)
    page.goto("/")
    page.get_by_role("button", name="Mở trình đơn").click()
    page.get_by_role("link", name="Kiểm tra văn bản ký số").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra văn bản ký số")
    assert fits_the_screen(page)
    shots(page, "form")

    page.get_by_label("Văn bản PDF cần kiểm tra").set_input_files(str(good))
    page.get_by_role("button", name="Kiểm tra chữ ký").click()
    expect(page.get_by_role("heading", name="Chữ ký số hợp lệ")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("giay-tiep-nhan.pdf")
    expect(page.locator("#verify-result")).to_contain_text(certified.centre.name)
    assert fits_the_screen(page)  # long certificate subjects and fingerprints wrap
    shots(page, "valid")

    page.get_by_label("Văn bản PDF cần kiểm tra").set_input_files(str(bad))
    page.get_by_role("button", name="Kiểm tra chữ ký").click()
    expect(page.get_by_role("heading", name="Không nên tin cậy văn bản này ở dạng hiện tại")).to_be_visible()
    expect(page.locator("#verify-result")).to_contain_text("Đã bị thay đổi")
    assert fits_the_screen(page)
    shots(page, "altered")

    page.get_by_label("Văn bản PDF cần kiểm tra").set_input_files(str(picture))
    page.get_by_role("button", name="Kiểm tra chữ ký").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_document")
    expect(page.get_by_label("Văn bản PDF cần kiểm tra")).to_have_attribute("aria-invalid", "true")
    shots(page, "wrong-type")
