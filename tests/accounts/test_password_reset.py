"""Password reset: the same answer, the same work in the request, whether the address has an account or not; the mail
is sent by a background task, with a link to the configured public address, at most once per few minutes."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from congvu.accounts.models import AccountAction, AccountEvent
from congvu.accounts.passwords import send_reset_mails
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db
FORM = "/staff/quen-mat-khau/"


@pytest.fixture
def officer(staff):
    staff.officer.email = "motcua@example.vn"
    staff.officer.save()
    return staff.officer


def _queued():
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.order_by("enqueued_at").values_list("args_kwargs", flat=True))


def test_a_known_and_an_unknown_address_get_the_same_answer_and_the_same_work(client, officer):
    answers, statements = [], []
    for email in ("motcua@example.vn", "khong-co@example.vn"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(FORM, {"email": email})
        answers.append((response.status_code, response["Location"]))
        statements.append([re.sub(r"'[^']*'|\d+", "?", q["sql"]) for q in queries.captured_queries])
    assert answers[0] == answers[1] == (302, reverse("staff:password_reset_done"))
    assert statements[0] == statements[1]  # no lookup of the account in the request
    assert not any("auth_user" in sql for sql in statements[0])
    assert [kw["kwargs"]["email"] for kw in _queued()] == ["motcua@example.vn", "khong-co@example.vn"]
    assert len(mail.outbox) == 0  # nothing is sent in the request
    page = client.get(reverse("staff:password_reset_done")).content.decode()
    assert "Nếu địa chỉ này thuộc một tài khoản cán bộ" in page


def test_the_task_mails_a_working_link_once_and_only_to_real_accounts(client, officer, settings):
    settings.CONGVU_PUBLIC_URL = "https://motcua.example.gov.vn"
    assert send_reset_mails("khong-co@example.vn", "https://attacker.example") == 0
    assert send_reset_mails("MOTCUA@example.vn", "https://attacker.example") == 1  # the view passes the public URL; here the base given
    message = mail.outbox[-1]
    assert message.to == ["motcua@example.vn"] and "mật khẩu" in message.subject
    assert "Xin chào" in message.body and "2 giờ" in message.body
    link = re.search(r"https?://\S+", message.body).group(0)
    # Asked again at once: no second mail (the form cannot flood a mailbox).
    assert send_reset_mails("motcua@example.vn", "https://x") == 0 and len(mail.outbox) == 1
    assert AccountEvent.objects.filter(action=AccountAction.PASSWORD_RESET_MAILED, subject=officer).count() == 1

    path = link.split("attacker.example", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and "Đặt mật khẩu mới" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Mot-mat-khau-moi-2026", "new_password2": "Mot-mat-khau-moi-2026"})
    assert done.status_code == 302 and done["Location"] == reverse("staff:password_reset_complete")
    assert "_auth_user_id" not in client.session  # a reset does not sign in
    officer.refresh_from_db()
    assert officer.check_password("Mot-mat-khau-moi-2026")
    # The link is spent.
    again = client.get(path, follow=True)
    assert 'id="invalid-link"' in again.content.decode()


def test_the_link_uses_the_configured_public_address_not_the_host_header(client, officer, settings):
    settings.CONGVU_PUBLIC_URL = "https://motcua.example.gov.vn"
    settings.ALLOWED_HOSTS = ["*"]
    client.post(FORM, {"email": "motcua@example.vn"}, HTTP_HOST="attacker.example")
    assert _queued()[0]["kwargs"]["base_url"] == "https://motcua.example.gov.vn"


def test_inactive_accounts_and_accounts_without_a_password_get_nothing(officer):
    officer.is_active = False
    officer.save()
    assert send_reset_mails("motcua@example.vn", "https://x") == 0
    officer.is_active = True
    officer.set_unusable_password()
    officer.save()
    assert send_reset_mails("motcua@example.vn", "https://x") == 0 and not mail.outbox


def test_a_bad_address_gets_a_vietnamese_message_and_queues_nothing(client):
    for bad in ("", "không-phải-thư", "a@b" + "c" * 300 + ".vn"):
        response = client.post(FORM, {"email": bad})
        assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert _queued() == []


def test_the_old_password_sessions_end_after_a_reset(client, officer):
    other = client.__class__()
    other.login(username="motcua", password=PASSWORD)
    assert other.get("/staff/").status_code == 200
    officer.set_password("Mot-mat-khau-moi-2026")
    officer.save()
    assert other.get("/staff/").status_code == 302
