"""The citizen pages in a real browser (Debian's Chromium driven by Playwright) on a phone-sized screen:
layout without sideways scrolling, keyboard access, the error summary taking focus, contrast of the text, and
a dossier filed online with real file uploads, then followed on the lookup page.

Playwright runs in a thread of its own for each test: its sync API keeps an event loop alive in the thread that
starts it, and only one may run per thread, so the browser never shares a thread with the test's database
work or with another suite's browser (tests/e2e keeps one open in the main thread for the whole session)."""

import threading
from pathlib import Path

import pytest
from django.urls import reverse

from congvu.dossiers.models import Dossier
from tests.dossiers.conftest import submit_ids
from tests.portal.conftest import PDF

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
PHONE = {"width": 360, "height": 740}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/install-system-deps.sh)"),
]

# Relative luminance and contrast (WCAG 2.1, 1.4.3), the background found by walking up to the first opaque one.
CONTRAST_JS = """
(selector) => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const results = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.offsetParent && el.tagName !== "BODY") continue;
    const fg = parse(getComputedStyle(el).color);
    let node = el, bg = null;
    while (node && node.nodeType === 1) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c.length >= 3 && (c.length === 3 || c[3] > 0.99)) { bg = c; break; }
      node = node.parentElement;
    }
    bg = bg || [255, 255, 255];
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    results.push({text: el.textContent.trim().slice(0, 40), ratio: (a + 0.05) / (b + 0.05)});
  }
  return results;
}
"""


@pytest.fixture
def in_browser(live_server):
    """in_browser(steps): run steps(page) in a fresh phone-sized Chromium tab, in Playwright's own thread, and
    return what it returns (an assertion failing inside is raised here)."""

    def run(steps, timeout: float = 120):
        outcome = {}

        def target():
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    try:
                        context = browser.new_context(viewport=PHONE, locale="vi-VN", base_url=live_server.url)
                        context.set_default_timeout(15_000)
                        outcome["value"] = steps(context.new_page())
                    finally:
                        browser.close()
            except BaseException as error:  # handed to the test's thread below
                outcome["error"] = error

        thread = threading.Thread(target=target, name="playwright")
        thread.start()
        thread.join(timeout)
        assert not thread.is_alive(), "the browser did not finish in time"
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    return run


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def low_contrast(page, selector: str, minimum: float = 4.5) -> list:
    return [r for r in page.evaluate(CONTRAST_JS, selector) if r["text"] and r["ratio"] < minimum]


def test_home_on_a_phone_search_and_keyboard(in_browser, catalogue):
    def steps(page):
        page.goto("/")
        assert page.evaluate("document.documentElement.lang") == "vi"
        assert fits_the_screen(page)
        assert page.locator(".navbar-toggler").is_visible() and not page.locator("#mainnav").is_visible()
        # The first Tab reaches the skip link, which takes the keyboard to the content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
        assert low_contrast(page, "main h1, main h2, main p, main a, main .form-text, .navbar .nav-link, .navbar-brand, main .btn, main .badge") == []
        page.get_by_label("Bạn cần tìm thủ tục nào?").fill("dang ky khai sinh")
        page.keyboard.press("Enter")
        page.wait_for_url("**/thu-tuc/?q=*")
        assert "Tìm thấy 6 thủ tục" in page.inner_text("main")
        assert fits_the_screen(page)
        # The menu opens on a phone and lists the portal's pages.
        page.locator(".navbar-toggler").click()
        page.get_by_role("link", name="Tra cứu hồ sơ").click()
        page.wait_for_url("**/tra-cuu/")
        assert page.locator("h1").inner_text() == "Tra cứu hồ sơ"

    in_browser(steps)


def test_errors_are_summarised_focused_and_linked_to_their_fields(in_browser, catalogue, staff):
    def steps(page):
        page.goto(reverse("portal:file_online", args=["1.004884"]))
        assert fits_the_screen(page)
        page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
        page.wait_for_load_state()
        summary = page.locator("#error-summary")
        assert summary.is_visible()
        assert page.evaluate("document.activeElement.id") == "error-summary"
        links = summary.locator("a")
        assert links.count() >= 4
        first = links.first.get_attribute("href")
        links.first.click()
        assert page.evaluate("document.activeElement.id") == first[1:]
        assert page.locator(first).get_attribute("aria-invalid") == "true"
        assert low_contrast(page, "#error-summary a, .invalid-feedback, .form-text, label") == []

    in_browser(steps)
    assert not Dossier.objects.exists()


def test_a_dossier_filed_in_the_browser_is_then_looked_up(in_browser, catalogue, staff, tmp_path):
    version = catalogue.five
    documents = submit_ids(version)
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(PDF)

    def steps(page):
        page.goto(reverse("portal:file_online", args=[version.procedure.code]))
        page.get_by_label("Nơi nộp hồ sơ").select_option(label="Trung tâm Phục vụ hành chính công phường Hoàn Kiếm")
        page.get_by_label("Họ và tên").fill("Lê Thị Hoa")
        page.get_by_label("Số định danh cá nhân").fill("001190012345")
        page.get_by_label("Số điện thoại di động").fill("0987 654 321")
        page.get_by_label("Email").fill("hoa@example.vn")
        for pk in documents:
            page.set_input_files(f"#id_doc_{pk}", str(scan))
        page.get_by_label("Tôi cam đoan").check()
        page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
        page.wait_for_url("**/nop-truc-tuyen/da-nop/**")
        code = page.locator(".dossier-code").inner_text()
        assert fits_the_screen(page)

        page.get_by_role("link", name="Theo dõi hồ sơ này").click()
        page.wait_for_url(f"**/tra-cuu/{code}/?t=*")
        assert "Đã nộp trực tuyến, đang chờ tiếp nhận" in page.inner_text("[role=status]")
        assert fits_the_screen(page)

        page.goto(reverse("portal:lookup"))
        page.get_by_label("Mã hồ sơ").fill(code)
        page.get_by_label("4 số cuối số điện thoại của bạn").fill("4321")
        page.get_by_role("button", name="Tra cứu", exact=True).click()
        page.wait_for_url(f"**/tra-cuu/{code}/?t=*")
        assert code in page.locator("h1").inner_text()

        page.goto(reverse("portal:lookup"))
        page.get_by_label("Mã hồ sơ").fill(code)
        page.get_by_label("4 số cuối số điện thoại của bạn").fill("0000")
        page.get_by_role("button", name="Tra cứu", exact=True).click()
        page.wait_for_load_state()
        assert "Không tìm thấy hồ sơ phù hợp" in page.inner_text("main")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        return code

    code = in_browser(steps)
    dossier = Dossier.objects.get()
    assert dossier.code == code and dossier.state == "submitted_online"
    assert dossier.documents.count() == len(documents)
