"""The queue pages through the Django test client: kiosk and printed ticket, display board and its live update,
the counter page and its actions, the staff list of counters; who may open what."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from congvu.queueing import selectors, services
from congvu.queueing.models import Counter, ServiceGroup, Ticket, TicketStatus, Transfer, Visit

pytestmark = pytest.mark.django_db

MM = 72 / 25.4  # PDF points per millimetre


def kiosk_url(unit):
    return reverse("queueing:kiosk", args=[unit.code])


def board_url(unit):
    return reverse("queueing:board", args=[unit.code])


def counter_url(counter):
    return reverse("queueing:counter", args=[counter.pk])


def act(client, counter, action, ticket=None, **data):
    payload = {"action": action, **data}
    if ticket is not None:
        payload["ticket"] = str(ticket.pk)
    return client.post(reverse("queueing:counter_action", args=[counter.pk]), payload)


# ------------------------------------------------------------------------------------------------- kiosk


def test_kiosk_shows_each_group_as_a_big_button_with_its_queue(client, queue):
    services.issue_ticket(queue.unit, queue.b)
    html = client.get(kiosk_url(queue.unit)).content.decode()
    assert queue.unit.name in html and "csrfmiddlewaretoken" in html
    buttons = re.findall(r'<button class="kiosk-button" type="submit" name="group" value="(\d+)">', html)
    assert buttons == [str(queue.a.pk), str(queue.b.pk)]
    assert "0 người đang chờ" in html and "1 người đang chờ" in html


def test_kiosk_of_an_unknown_centre_is_404_and_one_without_groups_says_so(client, queue, place):
    assert client.get(reverse("queueing:kiosk", args=["KHONG-CO"])).status_code == 404
    assert client.get("/queue/T01%00/kiosk/").status_code == 404
    page = client.get(kiosk_url(place.b))
    assert page.status_code == 200 and "Trung tâm hiện chưa phát số thứ tự." in page.content.decode()


def test_taking_a_number_prints_a_ticket_with_the_queue_ahead(client, queue):
    services.issue_ticket(queue.unit, queue.a)
    response = client.post(kiosk_url(queue.unit), {"group": queue.a.pk})
    ticket = Ticket.objects.get(code="A002")
    assert response.status_code == 302 and response["Location"] == reverse("queueing:ticket", args=[queue.unit.code, selectors.ticket_token(ticket)])
    html = client.get(response["Location"]).content.decode()
    assert '<div class="ticket-number" id="ticket-number">A002</div>' in html
    assert "Có 1 người đang chờ trước bạn" in html and 'id="print-ticket"' in html and "@page" not in html
    assert f'http-equiv="refresh" content="20;url={kiosk_url(queue.unit)}"' in html  # back to the kiosk by itself


def test_kiosk_in_print_mode_prints_by_itself(client, queue):
    response = client.post(kiosk_url(queue.unit) + "?in=1", {"group": queue.a.pk, "in": "1"})
    assert response["Location"].endswith("?in=1")
    assert "window.print(); });" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("value", ["", "abc", "999999", "1" * 30, "²", "١٢", "1\x00"])
def test_kiosk_refuses_a_bad_choice_and_writes_nothing(client, queue, value):
    response = client.post(kiosk_url(queue.unit), {"group": value})
    assert response.status_code == 400 and "Vui lòng chọn một dịch vụ dưới đây." in response.content.decode()
    assert not Ticket.objects.exists()


def test_kiosk_refuses_another_centres_group_and_a_closed_one(client, queue, place):
    other = ServiceGroup.objects.create(unit=place.b, prefix="X", name="Khác")
    assert client.post(kiosk_url(queue.unit), {"group": other.pk}).status_code == 400
    queue.b.active = False
    queue.b.save()
    response = client.post(kiosk_url(queue.unit), {"group": queue.b.pk})
    assert response.status_code == 400 and "Nhóm “Đất đai” hiện không phát số thứ tự." in response.content.decode()
    assert not Ticket.objects.exists()


def test_ticket_links_are_signed_and_bound_to_their_centre(client, queue, place):
    ticket = services.issue_ticket(queue.unit, queue.a)
    token = selectors.ticket_token(ticket)
    assert client.get(reverse("queueing:ticket", args=[queue.unit.code, str(ticket.pk)])).status_code == 404
    assert client.get(reverse("queueing:ticket", args=[place.b.code, token])).status_code == 404
    assert client.get(reverse("queueing:ticket_pdf", args=[queue.unit.code, token + "x"])).status_code == 404


def test_ticket_pdf_is_80_mm_wide_with_the_number(client, queue):
    ticket = services.issue_ticket(queue.unit, queue.b)
    response = client.get(reverse("queueing:ticket_pdf", args=[queue.unit.code, selectors.ticket_token(ticket)]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="so-thu-tu-B001.pdf"'
    pdf = PdfReader(io.BytesIO(response.content))
    box = pdf.pages[0].mediabox
    assert len(pdf.pages) == 1
    assert round(float(box.width) / MM) == 80 and round(float(box.height) / MM) == 110
    text = pdf.pages[0].extract_text()
    assert "B001" in text and "Đất đai" in text


# ------------------------------------------------------------------------------------------------- board


def test_board_shows_counters_and_announces_the_latest_call(client, queue):
    services.issue_ticket(queue.unit, queue.a)
    services.call_next(queue.c1, queue.officer)
    html = client.get(board_url(queue.unit)).content.decode()
    assert 'hx-trigger="every 2s"' in html and 'aria-live="assertive"' in html and 'role="status"' in html
    assert "Mời số A001 đến Quầy 1" in html
    assert re.search(r'<tr class="fresh">\s*<td><span class="board-counter-number">Quầy 1</span> <span class="board-counter-name">Hộ tịch</span></td>'
                     r'\s*<td class="board-number">A001</td>', html)
    assert "Mời lên quầy" in html and "Sẵn sàng" in html and "Tạm đóng" in html  # counter 2 staffed, counter 3 not
    assert '<meta http-equiv="refresh" content="10">' in html  # inside <noscript>: the board still updates without JS


def test_board_update_answers_204_until_something_changes(client, queue):
    first = client.get(board_url(queue.unit)).content.decode()
    update = re.search(r'hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert client.get(update, HTTP_HX_REQUEST="true").status_code == 204
    services.issue_ticket(queue.unit, queue.a)
    services.call_next(queue.c1, queue.officer)
    changed = client.get(update, HTTP_HX_REQUEST="true")
    html = changed.content.decode()
    assert changed.status_code == 200 and "<html" not in html
    assert html.startswith('<div id="board" hx-get=') and "A001" in html
    assert '<div id="announce" hx-swap-oob="innerHTML"><p class="flash"' in html and "Mời số A001 đến Quầy 1" in html
    # A change elsewhere on the board (a new ticket waiting) swaps the body but leaves the announcement alone,
    # so a screen reader does not read the same call twice.
    next_update = re.search(r'hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert client.get(next_update).status_code == 204
    services.issue_ticket(queue.unit, queue.b)
    body_only = client.get(next_update).content.decode()
    assert "hx-swap-oob" not in body_only and "Đất đai: <span>1</span>" in body_only


def test_board_of_an_unknown_centre_is_404(client, queue):
    assert client.get(reverse("queueing:board", args=["KHONG-CO"])).status_code == 404
    assert client.get(reverse("queueing:board_update", args=["KHONG-CO"])).status_code == 404


# ------------------------------------------------------------------------------------------------- counter


def test_staff_pages_send_anonymous_people_to_the_login_page(client, queue):
    urls = [counter_url(queue.c1), reverse("queueing:counter_queue", args=[queue.c1.pk]), reverse("queueing:index"),
            reverse("queueing:statistics", args=[queue.unit.code]), reverse("queueing:statistics_export", args=[queue.unit.code])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login")), url
    response = client.post(reverse("queueing:counter_action", args=[queue.c1.pk]), {"action": "call_next"})
    assert response.status_code == 302 and not Visit.objects.exists()


def test_an_officer_of_another_unit_gets_403_and_changes_nothing(client, queue, staff):
    services.issue_ticket(queue.unit, queue.a)
    client.force_login(staff.other)
    page = client.get(counter_url(queue.c3))
    assert page.status_code == 403 and "Quầy này thuộc trung tâm ngoài phạm vi đơn vị của bạn." in page.content.decode()
    assert act(client, queue.c3, "take").status_code == 403
    assert client.get(reverse("queueing:counter_queue", args=[queue.c3.pk])).status_code == 403
    queue.c3.refresh_from_db()
    assert queue.c3.officer_id is None
    assert "Quầy 3" not in client.get(reverse("queueing:index")).content.decode()


def test_counter_page_has_labelled_shortcuts(client, queue):
    services.issue_ticket(queue.unit, queue.a)
    services.call_next(queue.c1, queue.officer)
    client.force_login(queue.officer)
    html = client.get(counter_url(queue.c1)).content.decode()
    keys = re.findall(r'accesskey="(\w)"', html)
    assert keys == ["b", "l", "q", "h", "c", "g"]
    assert "<kbd class=\"ms-1\">G</kbd>" in html and "Phím tắt" in html and "gọi số tiếp theo" in html
    assert '<p class="counter-current mb-1" aria-live="polite">A001</p>' in html


def test_an_officer_not_on_duty_takes_the_counter_first(client, queue, staff):
    client.force_login(queue.officer)
    html = client.get(counter_url(queue.c3)).content.decode()
    assert "Chưa có ai trực quầy này." in html and 'accesskey="n"' in html and 'value="call_next"' not in html
    response = act(client, queue.c3, "take")
    assert response.status_code == 302 and response["Location"] == counter_url(queue.c3)
    assert Counter.objects.get(officer=queue.officer).pk == queue.c3.pk
    assert "Bạn đã nhận trực Quầy 3." in client.get(counter_url(queue.c3)).content.decode()


def test_a_citizen_through_the_counter_page(client, queue):
    services.issue_ticket(queue.unit, queue.a)
    client.force_login(queue.officer)
    assert act(client, queue.c1, "call_next").status_code == 302
    ticket = Ticket.objects.get()
    assert "Đã gọi số A001." in client.get(counter_url(queue.c1)).content.decode()
    for action, status in (("recall", TicketStatus.CALLED), ("start", TicketStatus.SERVING), ("finish", TicketStatus.DONE)):
        assert act(client, queue.c1, action, ticket).status_code == 302, action
        ticket.refresh_from_db()
        assert ticket.status == status and ticket.recall_count == 1
    page = client.get(counter_url(queue.c1)).content.decode()
    assert "Đã phục vụ xong số A001." in page and "Hôm nay quầy đã phục vụ 1 công dân." in page
    response = act(client, queue.c1, "call_next")
    assert "Không còn ai chờ quầy này." in client.get(response["Location"]).content.decode()


def test_a_wrong_action_is_explained_with_409_and_writes_nothing(client, queue):
    services.issue_ticket(queue.unit, queue.a)
    ticket = services.call_next(queue.c1, queue.officer)
    client.force_login(queue.officer)
    response = act(client, queue.c1, "finish", ticket)
    html = response.content.decode()
    assert response.status_code == 409 and 'id="counter-error"' in html
    assert "Không thể kết thúc số A001 vì số này đang được mời lên quầy." in html
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED


def test_bad_counter_requests_get_clear_answers(client, queue, place):
    other_centre_ticket = services.issue_ticket(place.b, ServiceGroup.objects.create(unit=place.b, prefix="A", name="Xã"))
    client.force_login(queue.officer)
    assert act(client, queue.c1, "dance").status_code == 404
    url = reverse("queueing:counter_action", args=[queue.c1.pk])
    for ticket_value in ("", "abc", "999999", "²", str(other_centre_ticket.pk)):
        response = client.post(url, {"action": "start", "ticket": ticket_value})
        assert response.status_code == 400 and "Số thứ tự này không có ở trung tâm; hãy tải lại trang." in response.content.decode()
    assert client.get(counter_url(queue.c1)).status_code == 200
    assert client.get(reverse("queueing:counter", args=[999999])).status_code == 404


def test_transfer_from_the_counter_page(client, queue):
    services.issue_ticket(queue.unit, queue.a)
    ticket = services.call_next(queue.c1, queue.officer)
    client.force_login(queue.officer)
    html = client.get(counter_url(queue.c1)).content.decode()
    assert f'<option value="counter-{queue.c3.pk}">Quầy 3 — Đất đai</option>' in html and f'value="counter-{queue.c1.pk}"' not in html
    bad = act(client, queue.c1, "transfer", ticket, target="counter-999999")
    assert bad.status_code == 400 and "Hãy chọn nơi chuyển công dân đến." in bad.content.decode() and not Transfer.objects.exists()
    response = act(client, queue.c1, "transfer", ticket, target=f"group-{queue.b.pk}", note="Hỏi về đất đai")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.TRANSFERRED and ticket.target_group_id == queue.b.pk
    assert Transfer.objects.get().note == "Hỏi về đất đai"
    # Counter 2 serves group B: the transferred ticket heads its queue.
    html = client.get(reverse("queueing:counter_queue", args=[queue.c2.pk])).content.decode()
    assert '<strong>A001</strong> · Đất đai <span class="badge text-bg-warning">được chuyển đến</span>' in html


def test_counter_queue_partial_lists_the_next_tickets_in_call_order(client, queue):
    a1 = services.issue_ticket(queue.unit, queue.a)
    services.issue_ticket(queue.unit, queue.b)
    services.issue_ticket(queue.unit, queue.a)
    services.call_next(queue.c1, queue.officer)
    services.transfer(a1, queue.c1, queue.officer, to_counter=queue.c2)
    client.force_login(queue.officer2)
    html = client.get(reverse("queueing:counter_queue", args=[queue.c2.pk])).content.decode()
    assert "<html" not in html and "3 số đang chờ quầy này" in html
    assert re.findall(r"<strong>([AB]\d+)</strong>", html) == ["A001", "B002", "A003"]


def test_index_lists_the_counters_of_the_users_units(client, queue, staff):
    client.force_login(queue.officer)
    html = client.get(reverse("queueing:index")).content.decode()
    assert "Bạn đang trực Quầy 1 của" in html and counter_url(queue.c3) in html
    assert kiosk_url(queue.unit) in html and board_url(queue.unit) in html
    assert reverse("queueing:statistics", args=[queue.unit.code]) not in html  # officers do not see statistics
    client.force_login(staff.leader)
    assert reverse("queueing:statistics", args=[queue.unit.code]) in client.get(reverse("queueing:index")).content.decode()
