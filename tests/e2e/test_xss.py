"""Script payloads in every free-text field a person can fill (applicant, dossier summary, feedback, rating comment,
unit and procedure names), viewed in a real browser on the staff and public pages that show them: no payload runs,
none becomes an element or a javascript: link, and the Content Security Policy reports no violation at all (so
our own pages need nothing it forbids)."""

import pytest

from congvu.dossiers.models import Applicant
from congvu.feedback.models import Feedback, Rating
from congvu.feedback.services import submit_feedback
from tests.dossiers.conftest import PASSWORD, catalogue, local, place, receive, staff  # noqa: F401 (fixtures)
from tests.feedback.conftest import feedback_input, to_result_ready

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = ('<script>window.__xss="script"</script><img src=x onerror="window.__xss=\'img\'">'
           '"><svg onload="window.__xss=\'svg\'"> \' onmouseover=\'window.__xss="attr"\' javascript:window.__xss="href"')
# Recorded before any page script runs: every policy violation, and whether a payload ran.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""
ACTIVE = ("[onerror], [onload], [onmouseover], a[href^='javascript:' i], img[src='x'], svg[onload]")


def _seed(receive, staff, catalogue, place):
    from congvu.dossiers.services import perform_action
    from congvu.feedback.scoring import Factor, Perception
    from congvu.feedback.services import submit_rating
    from congvu.units.models import Unit

    dossier = to_result_ready(receive(at=local(2026, 3, 2, 9)), staff)
    dossier = perform_action(dossier, "return_result", actor=staff.officer, method="counter", returned_to="An", at=local(2026, 3, 5, 9))
    submit_rating(dossier, {f: 2 for f in Factor}, {Perception.TRIPS: 0, Perception.EXTRA_MONEY: 0, Perception.APPOINTMENT: 1},
                  comment="ok")
    feedback = submit_feedback(feedback_input(place.centre), at=local(2026, 3, 6, 9))
    # Written past the forms' own checks: what is shown must be inert however it got into the database.
    Applicant.objects.filter(pk=dossier.applicant_id).update(full_name=PAYLOAD[:300], address=PAYLOAD[:300])
    type(dossier).objects.filter(pk=dossier.pk).update(summary=PAYLOAD)
    Rating.objects.filter(dossier=dossier).update(comment=PAYLOAD)
    Feedback.objects.filter(pk=feedback.pk).update(title=PAYLOAD[:200], content=PAYLOAD, sender_name=PAYLOAD[:100])
    Unit.objects.filter(pk=place.a.pk).update(name="Phường " + PAYLOAD[:150])
    catalogue.five.__class__.objects.filter(pk=catalogue.five.pk).update(name=PAYLOAD[:500])
    return dossier, feedback


def _check(page, path: str, seen: list[str]):
    page.goto(path)
    page.wait_for_load_state("load")
    page.mouse.move(200, 200)
    page.mouse.move(600, 400)
    assert page.evaluate("window.__xss") is None, f"a payload ran on {path}"
    assert page.evaluate(f"document.querySelectorAll({ACTIVE!r}).length") == 0, f"a payload became markup on {path}"
    violations = page.evaluate("window.__violations")
    assert not violations, f"CSP violations on {path}: {violations}"
    if "<script>window.__xss" in page.content().replace("&lt;", "<").replace("&gt;", ">"):
        seen.append(path)


def test_script_payloads_in_free_text_are_shown_as_text_and_never_run(browser, open_page, staff_login, shots, receive, staff,  # noqa: F811
                                                                    catalogue, place):  # noqa: F811
    dossier, feedback = _seed(receive, staff, catalogue, place)
    seen: list[str] = []

    leader = staff_login(staff.leader.username, PASSWORD)
    leader.add_init_script(WATCH)
    for path in (f"/staff/dossiers/{dossier.code}/", "/staff/dossiers/", "/staff/dossiers/so-theo-doi/", f"/staff/feedback/{feedback.code}/",
                 "/staff/feedback/", "/staff/feedback/danh-gia/", "/staff/units/", "/staff/dossiers/tiep-nhan/"):
        _check(leader, path, seen)
    # The counter's procedure search swaps its results in with htmx: the procedure named by the payload among them.
    leader.get_by_label("Tên hoặc mã thủ tục").fill(catalogue.five.procedure.code)
    leader.locator("#procedure-results a.procedure-choice").first.wait_for()
    assert leader.evaluate("window.__xss") is None and leader.evaluate(f"document.querySelectorAll({ACTIVE!r}).length") == 0
    assert "<script>" in leader.locator("#procedure-results").inner_text() and not leader.evaluate("window.__violations").__len__()
    _check(leader, f"/staff/dossiers/{dossier.code}/", seen)
    shots(leader, "staff-dossier-with-payloads")

    citizen = open_page(phone=True)
    citizen.add_init_script(WATCH)
    for path in ("/thu-tuc/", f"/thu-tuc/{catalogue.five.procedure.code}/", "/nop-truc-tuyen/", "/phan-anh/"):
        _check(citizen, path, seen)
    shots(citizen, "public-procedure-with-payloads")
    # The payloads reached the pages (as text): the test looked at them, not at pages that left them out.
    assert f"/staff/dossiers/{dossier.code}/" in seen and "/thu-tuc/" in seen and f"/staff/feedback/{feedback.code}/" in seen
