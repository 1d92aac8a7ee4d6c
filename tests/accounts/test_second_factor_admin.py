"""System administrators see who must use a second factor and reset a lost authenticator; nobody else can."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from congvu.accounts.models import AccountAction, AccountEvent

pytestmark = pytest.mark.django_db
PAGE = "/staff/accounts/xac-thuc-hai-lop/"


def test_the_page_lists_the_accounts_that_must_use_it(client, staff, admin_user):
    TOTPDevice.objects.create(user=staff.leader, name="congvu", confirmed=True)
    TOTPDevice.objects.create(user=staff.officer, name="congvu", confirmed=True)  # set up by choice
    client.force_login(admin_user)
    html = client.get(PAGE).content.decode()
    assert f'id="user-{staff.leader.pk}"' in html and f'id="user-{admin_user.pk}"' in html and f'id="user-{staff.officer.pk}"' in html
    assert f'id="user-{staff.specialist.pk}"' not in html  # no second factor needed, none set up
    assert "chưa cài đặt" in html and "đã cài đặt" in html
    assert f'id="user-{staff.leader.pk}"' not in client.get(PAGE, {"q": "motcua"}).content.decode()


def test_others_cannot_open_or_reset(client, staff):
    device = TOTPDevice.objects.create(user=staff.specialist, name="congvu", confirmed=True)
    client.force_login(staff.leader)
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}{staff.specialist.pk}/dat-lai/").status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_reset_removes_the_authenticator_and_is_logged(client, staff, admin_user):
    TOTPDevice.objects.create(user=staff.leader, name="congvu", confirmed=True)
    client.force_login(admin_user)
    url = f"{PAGE}{staff.leader.pk}/dat-lai/"
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "Đã đặt lại xác thực hai lớp" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=staff.leader).exists()
    event = AccountEvent.objects.get(action=AccountAction.SECOND_FACTOR_RESET)
    assert event.actor == admin_user and event.subject == staff.leader


def test_an_administrator_cannot_reset_their_own(client, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="congvu", confirmed=True)
    client.force_login(admin_user)
    response = client.post(f"{PAGE}{admin_user.pk}/dat-lai/", follow=True)
    assert "quản trị viên khác" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin_user).exists() and not AccountEvent.objects.exists()


def test_the_staff_home_shows_the_card_to_administrators_only(client, staff, admin_user):
    client.force_login(staff.officer)
    assert 'id="accounts-card"' not in client.get("/staff/").content.decode()
    client.force_login(admin_user)
    assert 'id="accounts-card"' in client.get("/staff/").content.decode()


def test_the_django_admin_never_shows_an_authenticators_secret(client, staff):
    """An administrator (or a stolen admin session) must not be able to copy a leader's second factor."""
    from django.contrib.auth import get_user_model

    device = TOTPDevice.objects.create(user=staff.leader, name="congvu", confirmed=True)
    root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page
