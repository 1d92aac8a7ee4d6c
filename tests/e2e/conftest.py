"""Browser tests: Playwright driving Debian's chromium (DESIGN.md) against a live server on the test database.

Each test takes screenshots of the pages it walks through into test-artifacts/screenshots/ (CI keeps the
folder) so a reviewer can look at them. Citizens' pages are checked at a phone's width, staff pages on a desktop.

Playwright's sync API keeps an asyncio loop running in the thread that starts it. While it runs, Django sees an
"async context": it refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set, and it hands the thread other
connection objects (kept in contextvars) than outside the loop. So Playwright lives for one test module only
(pytest tears module fixtures down before running another module's tests): the rest of the suite, on the same
xdist worker, never runs inside the loop, and the connections opened under it are closed before it stops (on
PostgreSQL a connection left open stops the test database from being dropped).
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.portal.conftest import PDF  # the smallest file the portal's content check accepts as a PDF

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _chromium() -> str | None:
    for candidate in (os.environ.get("CONGVU_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _carry_serialized_contents(outside: dict) -> None:
    """pytest-django keeps the test database's initial content (what migrations seed: holidays, notification
    templates, the feedback configuration) on the connection object it had when it created the database, and
    serialized_rollback restores it from there after each transactional test's flush. Under Playwright's loop
    the connection objects are others, without it, and the restore would be skipped without a word."""
    from django.db import connections

    for alias, connection in outside.items():
        if hasattr(connection, "_test_serialized_contents") and connections[alias] is not connection:
            connections[alias]._test_serialized_contents = connection._test_serialized_contents


@pytest.fixture(scope="module")
def browser(django_db_setup):
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    if executable is None:
        pytest.fail("chromium is not installed: run scripts/install-system-deps.sh")
    from django.db import connections

    outside = {connection.alias: connection for connection in connections.all()}
    # The test's own ORM calls are synchronous and never overlap with Playwright's loop (same thread, one at a
    # time), so Django's guard against async-unsafe calls does not apply while the loop runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            _carry_serialized_contents(outside)
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"])
            try:
                yield browser
            finally:
                browser.close()
                connections.close_all()  # those opened under the loop, invisible once it stops
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Shots:
    """Numbered screenshots per test: test-artifacts/screenshots/<test>/<nn>-<name>.png."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request):
    return Shots(request.node.name)


@pytest.fixture
def open_page(browser, live_server):
    """A new page in its own context (cookies apart), Vietnamese, Vietnam's time zone: open_page(phone=True).

    A script error on any page or a server error (5xx) on any request fails the test, even when the page
    looked right."""
    contexts, problems = [], []

    def make(phone: bool = False):
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url,
            is_mobile=phone, has_touch=phone,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))
        page.on("response", lambda response: response.status >= 500 and problems.append(f"{response.status} from {response.url}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def staff_login(open_page):
    """A desktop page signed in as a staff member through the real login form."""

    def login(username: str, password: str):
        page = open_page()
        page.goto("/staff/login/")
        page.get_by_label(re.compile("Tên đăng nhập|Username", re.I)).fill(username)
        page.get_by_label(re.compile("Mật khẩu|Password", re.I)).fill(password)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/staff/(?!login)"))
        return page

    return login


@pytest.fixture
def scan(tmp_path):
    """scan(name): a small real PDF file on disk, for <input type=file> (set_input_files)."""

    def make(name: str = "giay-to.pdf") -> str:
        path = tmp_path / "scans" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(PDF)
        return str(path)

    return make


def fits_the_screen(page) -> bool:
    """Nothing is wider than the viewport (no sideways scrolling on a phone)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def access_key(page, letter: str) -> None:
    """Press Alt+<letter> as a keyboard does, to use an element's accesskey (Chromium on Linux: Alt).

    Playwright's keyboard.press("Alt+g") sends the key without its text while a modifier is held, and Chromium
    matches access keys on that text, so nothing happens; the DevTools protocol sends the whole keystroke."""
    letter = letter.lower()
    key = {"modifiers": 1, "key": letter, "code": f"Key{letter.upper()}", "windowsVirtualKeyCode": ord(letter.upper())}
    session = page.context.new_cdp_session(page)
    try:
        session.send("Input.dispatchKeyEvent", {"type": "keyDown", **key, "text": letter, "unmodifiedText": letter})
        session.send("Input.dispatchKeyEvent", {"type": "keyUp", **key})
    finally:
        session.detach()


def path_of(url: str) -> str:
    """The path and query of an absolute URL the app builds for messages and QR codes, to open on the live server."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
