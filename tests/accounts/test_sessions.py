"""Sessions end after idle time, after an absolute time however busy, and at once when a leader's session has no
verified second factor (role changed, authenticator reset)."""

import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from congvu.accounts.middleware import SEEN_AT, SIGNED_IN_AT
from congvu.accounts.services import reset_second_factor
from congvu.accounts.testing import force_verified_login
from congvu.units.models import Role

pytestmark = pytest.mark.django_db


def _age(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[{"signed_in": SIGNED_IN_AT, "seen": SEEN_AT}[key]] = now - ago
    session.save()


def test_a_session_idle_too_long_ends_with_a_message(client, staff, secure_sign_in):
    client.force_login(staff.officer)
    assert client.get("/staff/").status_code == 200
    _age(client, seen=31 * 60)
    response = client.get("/staff/dossiers/?q=abc")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/?next=%2Fstaff%2Fdossiers%2F%3Fq%3Dabc")
    assert "_auth_user_id" not in client.session
    assert "30 phút không thao tác" in client.get(response["Location"]).content.decode()


def test_a_busy_session_still_ends_after_the_absolute_limit(client, staff, secure_sign_in):
    client.force_login(staff.officer)
    _age(client, signed_in=8 * 3600 + 1, seen=5)
    response = client.get("/staff/")
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert "tối đa 8 giờ" in client.get(response["Location"]).content.decode()


def test_activity_is_written_at_most_once_a_minute(client, staff, secure_sign_in):
    client.force_login(staff.officer)
    _age(client, seen=10)
    before = client.session[SEEN_AT]
    client.get("/staff/")
    assert client.session[SEEN_AT] == before
    _age(client, seen=120)
    client.get("/staff/")
    assert time.time() - client.session[SEEN_AT] < 5


def test_a_session_without_a_known_age_ends(client, staff, secure_sign_in):
    client.force_login(staff.officer)
    session = client.session
    del session[SIGNED_IN_AT]
    session.save()
    assert client.get("/staff/").status_code == 302 and "_auth_user_id" not in client.session


def test_htmx_and_api_requests_are_told_in_their_own_way(client, staff, secure_sign_in):
    client.force_login(staff.officer)
    _age(client, seen=3600)
    response = client.get("/staff/dossiers/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/staff/login/")
    client.force_login(staff.officer)
    _age(client, seen=3600)
    response = client.get("/api/v1/dossiers")
    assert response.status_code == 401 and response.json()["code"] == "session_expired" and response.json()["message"]


def test_a_leader_session_without_a_verified_second_factor_ends(client, staff, secure_sign_in):
    # An officer promoted while signed in: the next request asks for the code.
    client.force_login(staff.officer)
    assert client.get("/staff/").status_code == 200
    profile = staff.officer.staff_profile
    profile.role = Role.UNIT_LEADER
    profile.save()
    response = client.get("/staff/")
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_resetting_a_lost_authenticator_ends_the_sessions_verified_with_it(client, staff, admin_user, secure_sign_in):
    force_verified_login(client, staff.leader)
    assert client.get("/staff/").status_code == 200
    reset_second_factor(by=admin_user, user=staff.leader)
    assert not TOTPDevice.objects.filter(user=staff.leader).exists()
    assert client.get("/staff/").status_code == 302 and "_auth_user_id" not in client.session


def test_a_verified_leader_session_works_and_signing_out_ends_it(client, staff, secure_sign_in):
    force_verified_login(client, staff.leader)
    assert client.get("/staff/").status_code == 200
    assert client.post(reverse("staff:logout")).status_code == 302
    assert client.get("/staff/").status_code == 302


def test_with_enforcement_off_leaders_work_with_a_password_session(client, staff, settings):
    """The suite's default (tests/conftest.py): CONGVU_REQUIRE_2FA off."""
    settings.AXES_ENABLED = True
    client.force_login(staff.leader)
    assert client.get("/staff/").status_code == 200
