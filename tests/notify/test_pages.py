"""Staff pages under /staff/notify/: only system administrators, reform administrators and superusers (403 for
other staff, login for strangers); list filters, accent-insensitive search, sort, pages, Excel; a message's
page; retry of a failed message (POST with CSRF only); the demo mailbox; the card on the staff home page."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from congvu.notify import delivery, services
from congvu.notify.models import OutboxMessage, Status
from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ANSWER = {"recipient_name": "Trần Thị Bình", "feedback_code": "PA-1", "answer": "Đã bố trí thêm quầy.", "answered_by": "Trung tâm"}


@pytest.fixture
def reform_admin(place):
    return units.create_staff_member("caicach", "Đỗ Thị Mai", place.province, Role.REFORM_ADMIN, password=PASSWORD).user


@pytest.fixture
def system_admin(place):
    return units.create_staff_member("quantri", "Vũ Đức Anh", place.province, Role.SYSTEM_ADMIN, password=PASSWORD).user


@pytest.fixture
def admin_client(client, reform_admin):
    client.force_login(reform_admin)
    return client


def make(key, name="Trần Thị Bình", email="binh@example.vn", phone=""):
    return services.enqueue("feedback_answered", key=key, context={**ANSWER, "recipient_name": name}, email=email, phone=phone)


def dead(row):
    OutboxMessage.objects.filter(pk=row.pk).update(status=Status.DEAD, attempts=8, last_error="Cổng SMS trả lời HTTP 503: bận")
    row.refresh_from_db()
    return row


def listed(response):
    return [m.pk for m in response.context["page"].object_list]


URLS = [("notify:list", []), ("notify:export", []), ("notify:mailbox", [])]


def test_strangers_are_sent_to_the_login_page(client, db):
    for name, args in URLS:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))


def test_other_staff_are_refused(client, staff):
    (row,) = make("k1")
    for user in (staff.officer, staff.leader, staff.specialist):
        client.force_login(user)
        for name, args in [*URLS, ("notify:detail", [row.pk])]:
            assert client.get(reverse(name, args=args)).status_code == 403
        assert client.post(reverse("notify:retry", args=[dead(row).pk])).status_code == 403
    row.refresh_from_db()
    assert row.status == Status.DEAD


def test_administrators_and_superusers_may_open_them(client, reform_admin, system_admin, django_user_model):
    superuser = django_user_model.objects.create_superuser("goc", "goc@example.vn", "x")  # no staff profile
    for user in (reform_admin, system_admin, superuser):
        client.force_login(user)
        for name, args in URLS:
            assert client.get(reverse(name, args=args)).status_code == 200


def test_list_filters_by_status_channel_and_kind(admin_client, staff, receive):
    fb_email, fb_sms = make("k1", phone="0912345678")
    dead(fb_sms)
    d = receive()
    received = list(d.notifications.order_by("id"))
    assert listed(admin_client.get(reverse("notify:list"), {"status": "dead"})) == [fb_sms.pk]
    assert set(listed(admin_client.get(reverse("notify:list"), {"channel": "sms"}))) == {fb_sms.pk, received[1].pk}
    assert set(listed(admin_client.get(reverse("notify:list"), {"kind": "received"}))) == {m.pk for m in received}
    both = admin_client.get(reverse("notify:list"), {"kind": "feedback_answered", "channel": "email", "status": "pending"})
    assert listed(both) == [fb_email.pk]


def test_search_ignores_accents_and_case(admin_client):
    (binh,) = make("k1", name="Trần Thị Bình", email="binh@example.vn")
    (an,) = make("k2", name="Nguyễn Văn An", email="an@example.vn")
    assert listed(admin_client.get(reverse("notify:list"), {"q": "tran thi binh"})) == [binh.pk]
    assert listed(admin_client.get(reverse("notify:list"), {"q": "NGUYỄN an"})) == [an.pk]
    assert listed(admin_client.get(reverse("notify:list"), {"q": "an@example"})) == [an.pk]
    assert listed(admin_client.get(reverse("notify:list"), {"q": "không có ai"})) == []


def test_invalid_filters_are_shown_and_not_applied(admin_client):
    make("k1")
    response = admin_client.get(reverse("notify:list"), {"status": "gone", "channel": "fax"})
    assert response.status_code == 200 and len(listed(response)) == 1
    assert "Một số điều kiện lọc không hợp lệ" in response.content.decode()


def test_sort_and_pages(admin_client):
    rows = [make(f"k{n:02d}", email=f"nguoi{n:02d}@example.vn")[0] for n in range(55)]
    OutboxMessage.objects.filter(pk=rows[7].pk).update(attempts=5)
    newest = admin_client.get(reverse("notify:list"))
    assert len(listed(newest)) == 50 and listed(newest)[0] == rows[-1].pk
    second = admin_client.get(reverse("notify:list"), {"page": 2})
    assert len(listed(second)) == 5 and not set(listed(newest)) & set(listed(second))
    assert listed(admin_client.get(reverse("notify:list"), {"sort": "created"}))[0] == rows[0].pk
    assert listed(admin_client.get(reverse("notify:list"), {"sort": "-attempts"}))[0] == rows[7].pk
    by_recipient = admin_client.get(reverse("notify:list"), {"sort": "recipient", "page": 2})
    assert listed(by_recipient) == [r.pk for r in rows[50:]]
    assert "sort=recipient" in by_recipient.content.decode() and "page=1" in by_recipient.content.decode()
    assert admin_client.get(reverse("notify:list"), {"page": "abc"}).status_code == 200


def test_excel_export_follows_the_filters(admin_client):
    (binh,) = make("k1")
    dead(binh)
    make("k2", name="Nguyễn Văn An", email="an@example.vn")
    response = admin_client.get(reverse("notify:export"), {"status": "dead"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats") and "hop-thu-di-" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("Số", "Thời điểm đưa vào hàng chờ", "Thông báo", "Kênh", "Người nhận", "Tiêu đề", "Trạng thái")
    assert len(rows) == 2 and rows[1][4] == "b***@example.vn" and rows[1][6] == "Hỏng" and rows[1][12] == "Cổng SMS trả lời HTTP 503: bận"


def test_message_page_shows_content_error_and_retry_for_dead_ones(admin_client):
    (row,) = make("k1")
    page = admin_client.get(reverse("notify:detail", args=[row.pk])).content.decode()
    assert "Đã bố trí thêm quầy." in page and 'id="retry-form"' not in page
    page = admin_client.get(reverse("notify:detail", args=[dead(row).pk])).content.decode()
    assert 'id="retry-form"' in page and "Cổng SMS trả lời HTTP 503: bận" in page and "Gửi không thành công sau 8 lần." in page
    assert admin_client.get(reverse("notify:detail", args=[row.pk + 99])).status_code == 404


def test_retry_needs_post_and_csrf(reform_admin):
    (row,) = make("k1")
    dead(row)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reform_admin)
    assert client.get(reverse("notify:retry", args=[row.pk])).status_code == 405
    assert client.post(reverse("notify:retry", args=[row.pk])).status_code == 403  # no CSRF token
    row.refresh_from_db()
    assert row.status == Status.DEAD

    client.get(reverse("notify:detail", args=[row.pk]))
    response = client.post(reverse("notify:retry", args=[row.pk]), {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("notify:detail", args=[row.pk])
    assert "Đã đưa tin vào hàng chờ gửi lại" in response.content.decode()
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.attempts == 0 and row.retried_by == reform_admin


def test_retrying_a_message_that_is_not_dead_says_why_and_changes_nothing(admin_client):
    (row,) = make("k1")
    response = admin_client.post(reverse("notify:retry", args=[row.pk]), follow=True)
    assert "Chỉ gửi lại được tin đã hỏng" in response.content.decode()
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.retried_at is None
    assert admin_client.post(reverse("notify:retry", args=[row.pk + 99])).status_code == 404


def test_mailbox_shows_what_the_demo_delivered(admin_client, demo_mailbox, receive):
    d = receive()
    make("k1", email="binh@example.vn")
    pending_only = admin_client.get(reverse("notify:mailbox"))
    assert pending_only.context["page"].paginator.count == 0 and "Hộp thư trống" in pending_only.content.decode()
    delivery.deliver_due()
    page = admin_client.get(reverse("notify:mailbox"))
    text = page.content.decode()
    assert page.context["page"].paginator.count == 3
    assert f"Hồ sơ {d.code} đã được tiếp nhận" in text and "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm" in text
    assert "chưa cấu hình: tin được chuyển vào hộp thư demo" in text
    sms_only = admin_client.get(reverse("notify:mailbox"), {"channel": "sms"})
    assert [m.channel for m in sms_only.context["page"].object_list] == ["sms"]
    assert admin_client.get(reverse("notify:mailbox"), {"q": "tran thi binh"}).context["page"].paginator.count == 1


def test_mailbox_leaves_out_what_went_through_a_real_channel(admin_client, sms_gateway, settings):
    settings.CONGVU_SMTP_HOST = ""
    make("k1", email="binh@example.vn", phone="0912345678")
    delivery.deliver_due()
    page = admin_client.get(reverse("notify:mailbox"))
    assert [m.channel for m in page.context["page"].object_list] == ["email"]
    assert f"cổng SMS {sms_gateway.url}" in page.content.decode()


def test_staff_home_links_administrators_only(client, reform_admin, staff):
    client.force_login(reform_admin)
    page = client.get(reverse("staff:home")).content.decode()
    assert 'id="notify-card"' in page and reverse("notify:list") in page and reverse("notify:mailbox") in page
    client.force_login(staff.officer)
    assert 'id="notify-card"' not in client.get(reverse("staff:home")).content.decode()
