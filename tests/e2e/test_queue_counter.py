"""A citizen takes a number at the kiosk; the display board, open on the hall's screen, shows it when the officer
who took counter 1 calls it (with the keyboard shortcut); the officer receives the citizen's dossier from the
counter with the keyboard-friendly intake form, and the dossier is linked to the number."""

import re

import pytest
from playwright.sync_api import expect

from congvu.dossiers.models import Dossier
from congvu.queueing import services as queue_services
from congvu.queueing.models import Ticket
from tests.dossiers.conftest import PASSWORD, catalogue, place, staff  # noqa: F401 (fixtures)
from tests.e2e.conftest import access_key
from tests.queueing.conftest import queue  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

BOARD_POLL = 10_000  # the board asks for changes every 2 s


def _names(text: str) -> str:
    return re.escape(" ".join(text.split()))


def test_ticket_called_to_a_counter_shows_on_the_board_and_gets_a_dossier(open_page, staff_login, shots, catalogue, queue):  # noqa: F811
    # The officer starts the day away from the counters (the fixture seats them at counter 1).
    queue_services.leave_counter(queue.c1, queue.officer)
    centre = queue.unit.code

    # The hall's display board, open on its own screen.
    board = open_page()
    board.goto(f"/queue/{centre}/bang/")
    counter_1 = board.get_by_role("row", name=re.compile(r"^Quầy 1 "))
    expect(counter_1).to_contain_text("Tạm đóng")
    shots(board, "board-before")

    # A citizen takes a number for civil status at the kiosk (touch screen).
    kiosk = open_page(phone=True)
    kiosk.goto(f"/queue/{centre}/kiosk/")
    expect(kiosk.get_by_role("heading", name="Chạm vào dịch vụ bạn cần để lấy số thứ tự")).to_be_visible()
    shots(kiosk, "kiosk")
    kiosk.get_by_role("button", name=re.compile("Tư pháp – Hộ tịch")).tap()
    kiosk.wait_for_url(f"**/queue/{centre}/kiosk/ve/**")
    ticket = Ticket.objects.get(unit=queue.unit)
    assert ticket.code == "A001" and ticket.status == "waiting" and ticket.group == queue.a
    expect(kiosk.locator("main")).to_contain_text("A001")
    shots(kiosk, "ticket")

    # The officer takes counter 1 from the list of counters.
    officer = staff_login("motcua", PASSWORD)
    officer.goto("/queue/")
    officer.get_by_role("link", name="Quầy 1", exact=True).click()
    officer.get_by_role("button", name=re.compile("^Nhận trực quầy này")).click()
    expect(officer.get_by_role("alert").filter(has_text="Bạn đã nhận trực Quầy 1.")).to_be_visible()
    expect(board.get_by_role("row", name=re.compile(r"^Quầy 1 "))).to_contain_text("Sẵn sàng", timeout=BOARD_POLL)
    shots(officer, "counter-taken")

    # Alt+G calls the next number (the page lists the shortcuts).
    officer.get_by_text("Phím tắt").click()
    expect(officer.locator("#shortcuts")).to_contain_text("gọi số tiếp theo")
    access_key(officer, "g")
    expect(officer.get_by_role("alert").filter(has_text="Đã gọi số A001.")).to_be_visible()
    expect(officer.locator(".counter-current")).to_have_text("A001")
    ticket.refresh_from_db()
    assert ticket.status == "called" and ticket.counter == queue.c1
    shots(officer, "counter-called")

    # The board shows the number at counter 1 and announces it.
    expect(counter_1).to_contain_text("A001", timeout=BOARD_POLL)
    expect(board.locator("#announce")).to_have_text("Mời số A001 đến Quầy 1", timeout=BOARD_POLL)
    shots(board, "board-called")

    # The citizen comes; the officer receives the dossier from the counter.
    officer.get_by_role("button", name=re.compile("^Công dân đã đến")).click()
    expect(officer.get_by_role("alert").filter(has_text="Đang phục vụ số A001.")).to_be_visible()
    officer.get_by_role("link", name=re.compile("^Tiếp nhận hồ sơ")).click()
    expect(officer.locator("#queue-ticket")).to_contain_text("Tiếp nhận cho số thứ tự A001")
    # Keyboard only: the search field has the focus; type without accents, arrow down to the result, Enter.
    search = officer.get_by_role("searchbox", name="Tên hoặc mã thủ tục")
    expect(search).to_be_focused()
    officer.keyboard.type("dang ky lai khai sinh")
    expect(officer.get_by_role("list", name="Thủ tục tìm thấy")).to_contain_text("Thủ tục đăng ký lại khai sinh")
    shots(officer, "intake-search")
    officer.keyboard.press("ArrowDown")
    expect(officer.get_by_role("link", name="Thủ tục đăng ký lại khai sinh", exact=True)).to_be_focused()
    officer.keyboard.press("Enter")
    officer.wait_for_url("**/staff/dossiers/tiep-nhan/?procedure=1.004884&ticket=*")
    expect(officer.locator("#queue-ticket")).to_contain_text("A001")

    # Tick the documents handed in (Space on the first, which has the focus), then the applicant's details.
    documents = list(catalogue.five.documents.filter(group="submit").order_by("position", "id"))
    boxes = [officer.get_by_role("checkbox", name=re.compile("^" + _names(d.name))) for d in documents]
    expect(boxes[0]).to_be_focused()
    officer.keyboard.press("Space")
    for box in boxes[1:]:
        box.check()
    for box in boxes:
        expect(box).to_be_checked()
    access_key(officer, "h")  # to the applicant's full name
    expect(officer.get_by_label(re.compile("^Họ và tên"))).to_be_focused()
    officer.keyboard.type("Phạm Văn Cường")
    officer.get_by_label(re.compile("^Số định danh cá nhân")).fill("001085012345")
    officer.get_by_label("Điện thoại", exact=True).fill("0903 111 222")
    shots(officer, "intake-form")
    with officer.expect_popup() as receipt:
        officer.get_by_label("Điện thoại", exact=True).press("Enter")  # Enter receives the dossier
    # …and the receipt opens by itself in a new tab, to print.
    assert re.search(r"/staff/dossiers/[^/]+/phieu/giay-tiep-nhan\.pdf$", receipt.value.url)
    receipt.value.close()

    # The dossier's page: received, and linked to the number.
    expect(officer.get_by_role("alert").filter(has_text="đã được gắn với số thứ tự A001")).to_be_visible()
    dossier = Dossier.objects.get(applicant__full_name="Phạm Văn Cường")
    expect(officer.get_by_role("heading", level=1)).to_have_text(dossier.code)
    expect(officer.locator("#dossier-state")).to_have_text("Đã tiếp nhận")
    assert dossier.state == "received" and dossier.receiving_unit == queue.unit and dossier.received_by == queue.officer
    assert dossier.channel == "counter" and dossier.documents.count() == len(documents)
    ticket.refresh_from_db()
    assert ticket.dossier == dossier and ticket.status == "serving"
    shots(officer, "dossier-received")

    # Back at the counter, the number shows its dossier.
    officer.goto(f"/queue/quay/{queue.c1.pk}/")
    expect(officer.get_by_text("Hồ sơ đã tiếp nhận từ công dân này")).to_contain_text(dossier.code)
    shots(officer, "counter-with-dossier")
