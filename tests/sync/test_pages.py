"""Staff pages under /staff/sync/: only system administrators, the reform office and superusers (403 for other
staff); the list by sync state (failures first, filters, accent-insensitive search, Excel); a dossier's page with
each call's payload and answer; resend (POST with CSRF, audited); the staff home card; the section on the
dossier's own page, including the "not configured" state."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from congvu.sync import delivery
from congvu.sync.models import PortalSync, ResendRecord, SyncState
from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import PASSWORD
from tests.sync.sync_fixtures import (  # noqa: F401 - fixtures
    catalogue, drain, fast_retries, local, no_adapter, place, portal, receive, staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reform_admin(place):
    return units.create_staff_member("caicach", "Đỗ Thị Mai", place.province, Role.REFORM_ADMIN, password=PASSWORD).user


@pytest.fixture
def admin_client(client, reform_admin):
    client.force_login(reform_admin)
    return client


@pytest.fixture
def synced_and_failed(receive, portal, fast_retries):
    """One dossier synced, one that the portal refused for good."""
    ok = receive(at=local(2026, 3, 2, 9))
    drain()
    bad = receive(at=local(2026, 3, 3, 9), applicant={"full_name": "Trần Thị Bình", "personal_id": "001190012345", "phone": "0987 000 111"})
    portal.fail_next(3, code="-1", message="Dữ liệu không hợp lệ: MaTTHC")
    drain(step=100)
    assert PortalSync.objects.get(dossier=bad).state == SyncState.FAILED
    return ok, bad


def test_plain_officers_are_refused_and_strangers_sent_to_login(client, staff, receive):
    d = receive()
    client.force_login(staff.officer)
    for url in (reverse("sync:list"), reverse("sync:export"), reverse("sync:detail", args=[d.code])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("sync:resend", args=[d.code])).status_code == 403
    client.logout()
    assert client.get(reverse("sync:list")).status_code == 302


def test_list_puts_failures_first_and_filters(admin_client, synced_and_failed):
    ok, bad = synced_and_failed
    page = admin_client.get(reverse("sync:list")).content.decode()
    assert page.index(bad.code) < page.index(ok.code)
    assert "Dữ liệu không hợp lệ: MaTTHC" in page
    failed_only = admin_client.get(reverse("sync:list"), {"state": "failed"}).content.decode()
    assert bad.code in failed_only and ok.code not in failed_only
    by_date = admin_client.get(reverse("sync:list"), {"date_from": "2026-03-02", "date_to": "2026-03-02"}).content.decode()
    assert ok.code in by_date and bad.code not in by_date
    # Accent-insensitive: the applicant without accents, or the code in lower case.
    found = admin_client.get(reverse("sync:list"), {"q": "tran thi binh"}).content.decode()
    assert bad.code in found and ok.code not in found
    assert ok.code in admin_client.get(reverse("sync:list"), {"q": ok.code.lower()}).content.decode()
    sorted_page = admin_client.get(reverse("sync:list"), {"sort": "code"}).content.decode()
    assert sorted_page.index(min(ok.code, bad.code)) < sorted_page.index(max(ok.code, bad.code))
    bad_dates = admin_client.get(reverse("sync:list"), {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert bad_dates.status_code == 200 and "không hợp lệ" in bad_dates.content.decode()


def test_export_to_excel(admin_client, synced_and_failed):
    ok, bad = synced_and_failed
    response = admin_client.get(reverse("sync:export"), {"state": "failed"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert len(rows) == 2 and rows[1][0] == bad.code and "MaTTHC" in rows[1][7]


def test_detail_shows_each_payload_and_answer(admin_client, synced_and_failed, portal):
    ok, bad = synced_and_failed
    page = admin_client.get(reverse("sync:detail", args=[ok.code])).content.decode()
    assert "DongBoHoSoMC" in page and "CapNhatTienDoHoSoMC" in page and "TraCuuHoSo" in page
    assert f"&quot;MaHoSo&quot;: &quot;{ok.code}&quot;" in page  # the request, as sent
    assert "&quot;error_code&quot;" in page  # the answer
    assert portal.settings()["password"] not in page
    failed = admin_client.get(reverse("sync:detail", args=[bad.code])).content.decode()
    assert 'id="resend-form"' in failed and "Dữ liệu không hợp lệ: MaTTHC" in failed


def test_resend_needs_post_and_csrf_and_is_audited(reform_admin, synced_and_failed, portal):
    ok, bad = synced_and_failed
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(reform_admin)
    url = reverse("sync:resend", args=[bad.code])
    assert csrf_client.get(url).status_code == 405
    assert csrf_client.post(url).status_code == 403  # no CSRF token
    assert PortalSync.objects.get(dossier=bad).state == SyncState.FAILED
    page = csrf_client.get(reverse("sync:detail", args=[bad.code]))
    token = page.cookies["csrftoken"].value
    response = csrf_client.post(url, {"csrfmiddlewaretoken": token}, follow=True)
    assert response.status_code == 200 and "Đã xếp hàng gửi lại" in response.content.decode()
    record = ResendRecord.objects.get(dossier=bad)
    assert record.by == reform_admin and record.previous_state == SyncState.FAILED and record.retried_changes == 1
    assert PortalSync.objects.get(dossier=bad).state == SyncState.PENDING
    [outcome] = delivery.deliver_due()
    assert outcome.ok and portal.dossiers[bad.code]


def test_staff_home_card_with_counts(admin_client, staff, synced_and_failed):
    page = admin_client.get(reverse("staff:home")).content.decode()
    assert 'id="sync-card"' in page and "Đã đồng bộ: 1" in page and "lỗi: 1" in page
    client = Client()
    client.force_login(staff.officer)
    assert 'id="sync-card"' not in client.get(reverse("staff:home")).content.decode()


def test_the_dossier_page_shows_its_sync(admin_client, staff, synced_and_failed):
    ok, bad = synced_and_failed
    client = Client()
    client.force_login(staff.officer)
    page = client.get(reverse("dossiers:detail", args=[ok.code])).content.decode()
    assert 'id="portal-sync"' in page and "Đã đồng bộ" in page
    assert reverse("sync:detail", args=[ok.code]) not in page  # officers see the state, not the payloads
    admin_page = admin_client.get(reverse("dossiers:detail", args=[bad.code])).content.decode()
    assert "Lỗi đồng bộ" in admin_page and reverse("sync:detail", args=[bad.code]) in admin_page


def test_pages_say_clearly_when_sync_is_not_configured(admin_client, staff, receive, no_adapter):
    d = receive()
    client = Client()
    client.force_login(staff.officer)
    assert "Chưa cấu hình đồng bộ" in client.get(reverse("dossiers:detail", args=[d.code])).content.decode()
    assert "Chưa cấu hình đồng bộ" in admin_client.get(reverse("sync:list")).content.decode()
    assert "Chưa cấu hình đồng bộ" in admin_client.get(reverse("staff:home")).content.decode()
    assert "Chờ đồng bộ" in admin_client.get(reverse("sync:detail", args=[d.code])).content.decode()
    response = admin_client.post(reverse("sync:resend", args=[d.code]), follow=True)
    assert "chưa được cấu hình" in response.content.decode()
