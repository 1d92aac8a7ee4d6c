"""A citizen on a phone signs in through the (loopback) identity provider from the portal header, sees their
dossiers on "Hồ sơ của tôi", opens one on the lookup page, and signs out — in Chromium, under the site's CSP
(a script error or a 5xx anywhere fails the test, tests/e2e/conftest.py)."""

import re

import pytest
from playwright.sync_api import expect

from congvu.citizens import oidc
from congvu.citizens.test_provider import Provider
from congvu.dossiers.services import submit_online
from tests.citizens.conftest import CLIENT_ID, CLIENT_SECRET, PERSONAL_ID
from tests.dossiers.conftest import CITIZEN, catalogue, place, staff  # noqa: F401 (fixtures)
from tests.e2e.conftest import browser, fits_the_screen, open_page, shots  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def identity_provider(live_server, settings):
    with Provider() as provider:
        provider.register(CLIENT_ID, CLIENT_SECRET, redirect_uris=[f"{live_server.url}/cong-dan/dang-nhap/xong/"])
        provider.sign_in_as(PERSONAL_ID, "Nguyễn Văn An")
        settings.CITIZEN_OIDC = {"issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                 "personal_id_claim": "personal_id", "name_claim": "name", "session_seconds": 1800}
        oidc.forget_cached_provider_data()
        yield provider
        oidc.forget_cached_provider_data()


def test_citizen_signs_in_on_a_phone_and_sees_their_dossiers(open_page, shots, identity_provider, place, catalogue):  # noqa: F811
    mine = submit_online(place.centre, catalogue.five, dict(CITIZEN))
    other = submit_online(place.centre, catalogue.five, dict(CITIZEN, full_name="Trần Thị Bình", personal_id="001190054321"))
    page = open_page(phone=True)

    page.goto("/")
    page.get_by_role("button", name="Mở trình đơn").click()
    shots(page, "menu-with-sign-in")
    page.get_by_role("link", name="Đăng nhập", exact=True).click()

    # Through the provider and back: we land where the sign-in started, signed in.
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("alert")).to_contain_text("Bạn đã đăng nhập với tên Nguyễn Văn An.")
    page.get_by_role("button", name="Mở trình đơn").click()
    page.get_by_role("link", name="Hồ sơ của tôi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của tôi")
    expect(page.get_by_role("link", name=mine.code)).to_be_visible()
    expect(page.get_by_text(other.code)).to_have_count(0)
    expect(page.get_by_text("0010****2345")).to_be_visible()
    assert fits_the_screen(page)
    shots(page, "my-dossiers")

    page.get_by_role("link", name=mine.code).click()
    page.wait_for_url(re.compile(r"/tra-cuu/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(mine.code)
    shots(page, "lookup-from-my-dossiers")

    page.get_by_role("button", name="Mở trình đơn").click()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("alert")).to_contain_text("Bạn đã đăng xuất.")
    page.goto("/ho-so-cua-toi/")
    expect(page.get_by_role("link", name=mine.code)).to_have_count(0)
    expect(page.get_by_role("link", name="Đăng nhập", exact=True).last).to_be_visible()
    shots(page, "signed-out")
