"""A real OpenID Connect provider on loopback (congvu.citizens.test_provider) and a portal configured to trust
it; `sign_in` walks the whole flow as a browser would: our sign-in link, the provider's authorize page, back to
our callback, which exchanges the code over HTTP."""

import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.urls import reverse

from congvu.citizens import oidc
from congvu.citizens.test_provider import Misbehaviour, Provider

CLIENT_ID = "congvu-test"
CLIENT_SECRET = "s3cret-for-tests"
CALLBACK = "http://testserver" + reverse("citizens:callback")
PERSONAL_ID = "001090012345"  # tests.dossiers.conftest.CITIZEN's number


@pytest.fixture(scope="session")
def provider():
    with Provider() as running:
        running.register(CLIENT_ID, CLIENT_SECRET, redirect_uris=[CALLBACK])
        yield running


@pytest.fixture
def oidc_provider(provider, settings):
    """The provider, honest, signing in the citizen with PERSONAL_ID; the portal configured to trust it."""
    settings.CITIZEN_OIDC = {
        "issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "personal_id_claim": "personal_id", "name_claim": "name", "scopes": "openid profile", "session_seconds": 1800,
    }
    provider.misbehave = Misbehaviour()
    provider.token_requests.clear()
    provider.codes.clear()
    provider.sign_in_as(PERSONAL_ID, "Nguyễn Văn An")
    oidc.forget_cached_provider_data()
    yield provider
    oidc.forget_cached_provider_data()


class _Stop(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_browser = urllib.request.build_opener(_Stop)


def at_provider(url: str) -> str:
    """What the provider's authorize page answers: the Location it sends the browser back to."""
    try:
        with _browser.open(url, timeout=5) as response:
            raise AssertionError(f"provider answered {response.status} instead of redirecting back")
    except urllib.error.HTTPError as answer:
        assert answer.code == 302, answer.read()
        return answer.headers["Location"]


def local_path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    assert parts.netloc == "testserver", url
    return parts.path + ("?" + parts.query if parts.query else "")


def start(client, next_url=None) -> str:
    """Our sign-in link → the provider's authorize URL."""
    response = client.get(reverse("citizens:sign_in"), {"next": next_url} if next_url is not None else {})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def sign_in(client, next_url=None):
    """The whole flow; the callback's response."""
    back = at_provider(start(client, next_url))
    return client.get(local_path(back))
