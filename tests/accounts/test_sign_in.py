"""Staff sign-in: password only for officers; leaders and administrators set up and then use a TOTP code, and are
not signed in (anywhere: pages, admin, API) until the code is right."""

import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from congvu.accounts.models import AccountAction, AccountEvent
from congvu.accounts.views import PENDING
from tests.accounts.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db
LOGIN = "/staff/login/"


def _password(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR="10.0.0.5")


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_an_officer_signs_in_with_the_password_alone(client, staff, secure_sign_in):
    response = _password(client, "motcua")
    assert response.status_code == 302 and response["Location"] == reverse("staff:home")
    assert _signed_in(client)
    assert client.get("/staff/").status_code == 200


def test_a_leader_without_an_authenticator_sets_one_up_before_being_signed_in(client, staff, secure_sign_in):
    secure_sign_in.OTP_TOTP_THROTTLE_FACTOR = 0  # the wait after a wrong code has a test of its own
    before = client.cookies.get("sessionid")
    response = _password(client, "lanhdao", next="/staff/dossiers/")
    assert response.status_code == 302 and response["Location"] == reverse("staff:second_factor_setup")
    assert not _signed_in(client)
    assert before is None or client.cookies["sessionid"].value != before.value
    # Half-way, the person is nobody: pages, the admin and the API refuse.
    assert client.get("/staff/").status_code == 302
    assert client.get("/api/v1/dossiers").status_code == 401

    page = client.get(reverse("staff:second_factor_setup"))
    html = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml;base64,' in html and "lanhdao" in html
    device = TOTPDevice.objects.get(user=staff.leader)
    assert not device.confirmed
    # A reload keeps the same secret (the person may already have scanned it).
    client.get(reverse("staff:second_factor_setup"))
    assert TOTPDevice.objects.get(user=staff.leader).key == device.key

    wrong = client.post(reverse("staff:second_factor_setup"), {"code": "000000" if totp_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "không đúng" in wrong.content.decode() and not _signed_in(client)
    garbage = client.post(reverse("staff:second_factor_setup"), {"code": "12ab<script>"})
    assert garbage.status_code == 200 and "6 chữ số" in garbage.content.decode() and "<script>" not in garbage.content.decode()

    response = client.post(reverse("staff:second_factor_setup"), {"code": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == "/staff/dossiers/"
    assert _signed_in(client)
    assert TOTPDevice.objects.get(user=staff.leader).confirmed
    assert AccountEvent.objects.filter(action=AccountAction.SECOND_FACTOR_ENROLLED, subject=staff.leader).count() == 1
    assert client.get("/staff/").status_code == 200


def test_a_leader_with_an_authenticator_types_its_code(client, staff, secure_sign_in):
    device = TOTPDevice.objects.create(user=staff.leader, name="congvu", confirmed=True)
    response = _password(client, "lanhdao")
    assert response["Location"] == reverse("staff:second_factor")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "data:image" not in page.content.decode()  # no secret shown again
    response = client.post(reverse("staff:second_factor"), {"code": totp_code(device)})
    assert response.status_code == 302 and _signed_in(client)
    assert client.get("/staff/").status_code == 200
    # A code is good once: replaying it in another session fails.
    other = client.__class__()
    _password(other, "lanhdao")
    replay = other.post(reverse("staff:second_factor"), {"code": totp_code(device)})
    assert replay.status_code == 200 and not _signed_in(other)


def test_after_a_wrong_code_the_device_makes_the_person_wait(client, staff, secure_sign_in):
    device = TOTPDevice.objects.create(user=staff.leader, name="congvu", confirmed=True)
    _password(client, "lanhdao")
    client.post(reverse("staff:second_factor"), {"code": "000000" if totp_code(device) != "000000" else "111111"})
    # Right away, even the right code is not tried: guessing a million codes one by one is not possible.
    response = client.post(reverse("staff:second_factor"), {"code": totp_code(device)})
    assert response.status_code == 200 and "chờ vài giây" in response.content.decode() and not _signed_in(client)
    device.refresh_from_db()
    device.throttling_failure_timestamp = None
    device.save()
    assert client.post(reverse("staff:second_factor"), {"code": totp_code(device)}).status_code == 302 and _signed_in(client)


def test_the_code_step_expires_and_cannot_be_skipped(client, staff, secure_sign_in):
    TOTPDevice.objects.create(user=staff.leader, name="congvu", confirmed=True)
    # Without the password step the code pages send the visitor back to sign in.
    assert client.get(reverse("staff:second_factor"))["Location"] == LOGIN
    assert client.get(reverse("staff:second_factor_setup"))["Location"] == LOGIN
    _password(client, "lanhdao")
    session = client.session
    session[PENDING] = {**session[PENDING], "at": time.time() - 3600}
    session.save()
    response = client.get(reverse("staff:second_factor"))
    assert response["Location"] == LOGIN and PENDING not in client.session


def test_a_password_changed_during_the_code_step_voids_it(client, staff, secure_sign_in):
    device = TOTPDevice.objects.create(user=staff.leader, name="congvu", confirmed=True)
    _password(client, "lanhdao")
    staff.leader.set_password("Mat-khau-moi-2026!")
    staff.leader.save()
    response = client.post(reverse("staff:second_factor"), {"code": totp_code(device)})
    assert response["Location"] == LOGIN and not _signed_in(client)


def test_an_officer_who_set_up_an_authenticator_is_asked_for_it(client, staff, secure_sign_in):
    TOTPDevice.objects.create(user=staff.officer, name="congvu", confirmed=True)
    assert _password(client, "motcua")["Location"] == reverse("staff:second_factor")
    assert not _signed_in(client)


def test_next_cannot_lead_off_the_site(client, staff, secure_sign_in):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        client.logout()
        response = _password(client, "motcua", next=target)
        assert response["Location"] == reverse("staff:home"), target
    # Through the code step as well.
    device = TOTPDevice.objects.create(user=staff.leader, name="congvu", confirmed=True)
    client.logout()
    _password(client, "lanhdao", next="https://evil.example/")
    response = client.post(reverse("staff:second_factor"), {"code": totp_code(device)})
    assert response["Location"] == reverse("staff:home")


def test_the_admin_login_is_the_staff_sign_in(client, secure_sign_in):
    response = client.get("/admin/login/?next=/admin/units/unit/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN) and "next=%2Fadmin%2Funits%2Funit%2F" in response["Location"]
    # Posting a password to the admin's login does not sign anyone in either.
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert not _signed_in(client)
    assert _password(client, "root")["Location"] == reverse("staff:second_factor_setup")


def test_the_sign_in_page_links_to_password_reset_in_vietnamese(client):
    html = client.get(LOGIN).content.decode()
    assert "Quên mật khẩu?" in html and reverse("staff:password_reset") in html
