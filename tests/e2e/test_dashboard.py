"""A commune leader opens the dashboard: the charts are drawn (with their tables), the period is changed with the
keyboard only, a bad year is refused with a message that the keyboard reaches, and a tile's number opens the
dossiers behind it. The public transparency page is read on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.dossiers.conftest import PASSWORD, catalogue, place, receive, staff  # noqa: F401 (fixtures)
from tests.e2e.conftest import fits_the_screen
from tests.indices.test_views import history  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_leader_reads_the_dashboard_and_changes_the_period_with_the_keyboard(staff_login, open_page, shots, history, staff, monkeypatch):
    page = staff_login(staff.leader.username, PASSWORD)
    page.goto("/staff/indices/?unit=T01-A&period=2026-03")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Phường Hoàn Kiếm")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tháng 3/2026")
    expect(page.locator("#data-as-of")).to_contain_text("Số liệu tính đến")
    for chart in ("#trend-volume", "#trend-rates", "#trend-index", "#ranking-chart"):
        expect(page.locator(chart)).to_have_attribute("data-rendered", "true")
    expect(page.locator('[data-tile-link="received"]')).to_have_text("4")
    shots(page, "dashboard-march")

    # Keyboard only: from the period type to the year, the month one up (February), back to the year, Enter.
    page.locator("#id_kind").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_year"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_month"
    page.keyboard.press("ArrowUp")
    expect(page.locator("#id_month")).to_have_value("2")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tháng 2/2026")
    expect(page.locator('[data-tile-link="received"]')).to_have_text("1")
    expect(page.locator("#trend-volume")).to_have_attribute("data-rendered", "true")

    # A year out of range: the figures are not shown, the message names the field and its link moves the focus there.
    page.locator("#id_year").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("1999")
    page.keyboard.press("Enter")
    alert = page.locator("#form-errors")
    expect(alert).to_be_focused()  # a screen reader reads the message first
    expect(alert).to_contain_text("Năm")
    expect(alert).to_contain_text("2000")
    expect(page.locator("#tiles")).to_have_count(0)
    shots(page, "dashboard-bad-year")
    alert.get_by_role("link").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_year")).to_be_focused()

    # A tile's number opens the dossiers it counts.
    page.goto("/staff/indices/?unit=T01-A&period=2026-03")
    page.locator('[data-tile-link="open_overdue"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ đang giải quyết quá hạn")
    expect(page.locator("#behind-count")).to_have_text(re.compile(r"^2 "))
    expect(page.locator("#behind-table")).to_contain_text(history.stuck.code)
    shots(page, "records-behind-overdue")

    # The scorecard and the report of the same month, reached from the tabs.
    page.goto("/staff/indices/?unit=T01-A&period=2026-03")
    page.get_by_role("link", name="Chỉ số 766", exact=True).click()
    expect(page.locator('#scorecard tr[data-indicator="2.1"]')).to_contain_text("Hồ sơ xử lý trước hạn, đúng hạn")
    shots(page, "scorecard")
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    expect(page.locator("#report-table tfoot")).to_contain_text("Tổng cộng")
    shots(page, "report")

    # The public page on a phone (the last full month of the test clock: March 2026).
    monkeypatch.setattr("congvu.indices.views.last_full_month", lambda: __import__("congvu.indices.periods", fromlist=["Period"]).Period.month(2026, 3))
    citizen = open_page(phone=True)
    citizen.goto("/minh-bach/")
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Công khai kết quả phục vụ")
    expect(citizen.locator("#transparency-chart")).to_have_attribute("data-rendered", "true")
    citizen.get_by_role("searchbox", name="Tìm đơn vị").fill("hoan kiem")
    citizen.keyboard.press("Enter")
    expect(citizen.locator("#transparency-table tbody tr")).to_have_count(1)
    expect(citizen.locator("#transparency-table")).to_contain_text("Phường Hoàn Kiếm")
    assert fits_the_screen(citizen)
    shots(citizen, "transparency-phone")
