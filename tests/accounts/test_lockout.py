"""django-axes: after AXES_FAILURE_LIMIT wrong passwords (or codes) from one address for one username, that username
cannot sign in from that address for AXES_COOLOFF_TIME, with a Vietnamese page that says why and how long."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db
LOGIN = "/staff/login/"


def _try(client, username, password, address="10.0.0.5", **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def _fail(client, username, times, address="10.0.0.5", **headers):
    return [_try(client, username, "sai-mat-khau", address, **headers).status_code for _ in range(times)]


def test_five_wrong_passwords_lock_the_account_out_from_that_address_with_a_clear_message(client, staff, secure_sign_in):
    assert _fail(client, "motcua", 4) == [200] * 4
    locked = _try(client, "motcua", "sai-mat-khau")
    html = locked.content.decode()
    assert locked.status_code == 429
    assert "5 lần liên tiếp" in html and "15 phút" in html and 'id="lockout"' in html
    # The right password changes nothing while locked out.
    again = _try(client, "motcua", PASSWORD)
    assert again.status_code == 429 and "_auth_user_id" not in client.session
    # Another address, or another account from this address, is not affected.
    assert _try(client.__class__(), "motcua", PASSWORD, address="10.0.0.6").status_code == 302
    assert _try(client.__class__(), "chuyenvien", PASSWORD).status_code == 302


def test_an_unknown_username_is_locked_out_the_same_way(client, staff, secure_sign_in):
    """The lockout page cannot be used to learn which usernames exist."""
    _fail(client, "khong-ton-tai", 4)
    assert _try(client, "khong-ton-tai", "x").status_code == 429


def test_a_forged_forwarded_for_header_does_not_escape_the_count(client, staff, secure_sign_in):
    for i in range(5):
        _try(client, "motcua", "sai", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert _try(client, "motcua", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429


def test_behind_a_trusted_proxy_the_address_the_proxy_saw_counts(client, staff, secure_sign_in):
    from django.test import RequestFactory

    from congvu.accounts.lockout import client_ip

    secure_sign_in.CONGVU_TRUSTED_PROXIES = "10.0.0.0/8"  # the same rule as the portal's rate limits (congvu.core.clients)
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"  # the left part is the client's own writing
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.1.1.1"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.1.1.1")) == "10.1.1.1"
    # Two offices behind one proxy are told apart.
    for _ in range(5):
        _try(client, "motcua", "sai", address="10.1.1.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert _try(client, "motcua", PASSWORD, address="10.1.1.1", HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 302


def test_wrong_codes_count_like_wrong_passwords(client, staff, secure_sign_in):
    secure_sign_in.OTP_TOTP_THROTTLE_FACTOR = 0
    device = TOTPDevice.objects.create(user=staff.leader, name="congvu", confirmed=True)
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    assert _try(client, "lanhdao", PASSWORD)["Location"] == reverse("staff:second_factor")
    statuses = [client.post(reverse("staff:second_factor"), {"code": wrong}, REMOTE_ADDR="10.0.0.5").status_code for _ in range(5)]
    assert statuses[-1] == 429 and "_auth_user_id" not in client.session
    # The password alone no longer gets anyone to the code step.
    assert _try(client, "lanhdao", PASSWORD).status_code == 429


def test_a_successful_sign_in_clears_the_earlier_failures(client, staff, secure_sign_in):
    _fail(client, "motcua", 4)
    assert _try(client, "motcua", PASSWORD).status_code == 302
    client.logout()
    _fail(client, "motcua", 4)
    assert _try(client, "motcua", PASSWORD).status_code == 302
