"""A citizen whose result was handed over rates the service from the rating link (the five satisfaction factors
and Decree 61's questions), then reports a problem with the unit; the responsible unit's leader answers it on
the staff pages, and the citizen reads the answer through the tracking link and says it is satisfactory."""

import re

import pytest
from playwright.sync_api import expect

from congvu.dossiers.services import perform_action
from congvu.feedback.links import rating_url
from congvu.feedback.models import Feedback, Rating
from tests.dossiers.conftest import PASSWORD, catalogue, local, place, receive, staff  # noqa: F401 (fixtures)
from tests.e2e.conftest import fits_the_screen, path_of
from tests.feedback.conftest import to_result_ready

pytestmark = pytest.mark.django_db(transaction=True)

CENTRE = "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm"
ANSWER = "Đơn vị đã bố trí thêm một công chức tại quầy hộ tịch vào buổi sáng để rút ngắn thời gian chờ."


def _question(page, label: str):
    """A required radio group, named by its legend (screen readers also hear "(bắt buộc)"). Playwright writes
    the pattern into its selector between slashes without escaping them, so "ông/bà" needs "\\/"."""
    return page.get_by_role("radiogroup", name=re.compile("^" + re.escape(label).replace("/", r"\/")))


def test_citizen_rates_complains_and_the_leader_answers(open_page, staff_login, shots, receive, staff):  # noqa: F811
    # The dossier went through its four steps and the officer handed the result over at the counter.
    dossier = to_result_ready(receive(at=local(2026, 3, 2, 9)), staff)
    dossier = perform_action(dossier, "return_result", actor=staff.officer, method="counter", returned_to="Nguyễn Văn An", at=local(2026, 3, 5, 9))
    assert dossier.state == "returned"
    citizen = open_page(phone=True)

    # The rating link (sent with the result): the five factors, then what happened (Decree 61).
    citizen.goto(path_of(rating_url(dossier)))
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Ông/bà hài lòng với dịch vụ ở mức nào?")
    expect(citizen.locator("main")).to_contain_text(dossier.code)
    _question(citizen, "Tiếp cận dịch vụ").get_by_role("radio", name="5 — Rất hài lòng").check()
    _question(citizen, "Thủ tục hành chính").get_by_role("radio", name="4 — Hài lòng").check()
    _question(citizen, "Công chức").get_by_role("radio", name="5 — Rất hài lòng").check()
    _question(citizen, "Kết quả").get_by_role("radio", name="5 — Rất hài lòng").check()
    _question(citizen, "Tiếp nhận, xử lý ý kiến góp ý").get_by_role("radio", name="Tôi không gửi phản ánh / không có ý kiến").check()
    _question(citizen, "Ngoài lần nộp hồ sơ và nhận kết quả").get_by_role("radio", name="Không lần nào").check()
    _question(citizen, "Có ai yêu cầu ông/bà nộp thêm tiền").get_by_role("radio", name="Không", exact=True).check()
    _question(citizen, "Ông/bà nhận kết quả vào lúc nào").get_by_role("radio", name="Sớm hơn ngày hẹn").check()
    _question(citizen, "Nếu trả kết quả trễ hẹn").get_by_role("radio", name="Không áp dụng: kết quả không bị trễ hẹn").check()
    citizen.get_by_label("Ý kiến khác ông/bà muốn gửi đơn vị").fill("Cán bộ hướng dẫn tận tình, nhưng phải chờ lâu ở quầy.")
    assert fits_the_screen(citizen)
    shots(citizen, "rating-form")
    citizen.get_by_role("button", name="Gửi đánh giá").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Cảm ơn ông/bà đã đánh giá")
    expect(citizen.get_by_role("status")).to_contain_text(dossier.code)
    rating = Rating.objects.get(dossier=dossier)
    assert rating.comment.startswith("Cán bộ hướng dẫn tận tình")
    answers = {a.question: a.value for a in rating.answers.all()}
    assert answers == {"access": 5, "procedure": 4, "officer": 5, "result": 5, "trips": 0, "extra_money": 0, "appointment": 2}
    shots(citizen, "rating-thanks")

    # From the thanks page, a report about the unit (the dossier code comes along).
    citizen.get_by_role("link", name="Gửi phản ánh, kiến nghị").click()
    citizen.wait_for_url("**/phan-anh/?*")
    expect(citizen.get_by_label(re.compile("^Mã hồ sơ"))).to_have_value(dossier.code)
    _question(citizen, "Đây là").get_by_role("radio", name="Phản ánh").check()
    _question(citizen, "Nội dung liên quan đến").get_by_role("radio", name="Đơn vị", exact=True).check()
    citizen.get_by_label(re.compile("^Đơn vị liên quan")).select_option(label=CENTRE)
    citizen.get_by_label(re.compile("^Tiêu đề")).fill("Chờ quá lâu tại quầy hộ tịch")
    citizen.get_by_label(re.compile("^Sự việc thế nào")).fill("Tôi phải chờ hơn hai giờ buổi sáng mới được gọi tới quầy.")
    citizen.get_by_label("Họ và tên (không bắt buộc)").fill("Nguyễn Văn An")
    citizen.get_by_label("Số điện thoại di động (không bắt buộc)").fill("0912 345 678")
    assert fits_the_screen(citizen)
    shots(citizen, "feedback-form")
    citizen.get_by_role("button", name="Gửi", exact=True).click()

    # A tracking code and the link to follow it.
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Phản ánh, kiến nghị của ông/bà đã được gửi")
    code = citizen.locator("#tracking-code").inner_text().strip()
    feedback = Feedback.objects.get(code=code)
    assert feedback.state == "received" and feedback.unit.name == CENTRE and feedback.responsible_unit.code == "T01-A"
    assert feedback.dossier == dossier and feedback.subject_kind == "unit" and feedback.nature == "report"
    expect(citizen.get_by_role("status")).to_contain_text(code)
    expect(citizen.locator("main")).to_contain_text("Phường Hoàn Kiếm")  # who must answer, and by when
    track_url = citizen.get_by_label("Đường dẫn theo dõi").input_value()
    assert f"/phan-anh/{code}/?t=" in track_url
    assert fits_the_screen(citizen)
    shots(citizen, "feedback-sent")
    citizen.get_by_role("link", name="Mở trang theo dõi").click()
    expect(citizen.get_by_role("heading", level=1)).to_contain_text(code)
    expect(citizen.locator("main")).to_contain_text("Đã tiếp nhận")
    shots(citizen, "tracking-received")

    # The ward's leader finds it in the list and answers.
    leader = staff_login("lanhdao", PASSWORD)
    leader.goto("/staff/feedback/")
    expect(leader.get_by_role("heading", level=1)).to_have_text("Phản ánh, kiến nghị")
    leader.get_by_role("link", name=code).click()
    expect(leader.get_by_role("heading", level=1)).to_contain_text("Chờ quá lâu tại quầy hộ tịch")
    expect(leader.get_by_role("link", name=dossier.code)).to_be_visible()
    shots(leader, "staff-feedback-detail")
    leader.get_by_label(re.compile(r"^Nội dung trả lời \(người gửi sẽ đọc được\)")).fill(ANSWER)
    leader.get_by_role("button", name="Trả lời", exact=True).click()
    expect(leader.locator("main")).to_contain_text("Đã trả lời")
    feedback.refresh_from_db()
    assert feedback.state == "answered" and feedback.answer == ANSWER and feedback.answered_at is not None
    shots(leader, "staff-feedback-answered")

    # The citizen opens the tracking link again, reads the answer and says it is satisfactory.
    citizen.goto(path_of(track_url))
    answer = citizen.get_by_role("region", name="Câu trả lời của đơn vị")
    expect(answer).to_contain_text(ANSWER)
    verdict = _question(citizen, "Ông/bà có hài lòng với câu trả lời không?")
    verdict.get_by_role("radio", name="Hài lòng", exact=True).check()
    assert fits_the_screen(citizen)
    shots(citizen, "tracking-answered")
    citizen.get_by_role("button", name="Gửi ý kiến").click()
    expect(citizen.get_by_role("status")).to_contain_text("Ông/bà đã chọn: Hài lòng")
    feedback.refresh_from_db()
    assert feedback.verdict == "satisfied" and feedback.verdict_at is not None
    shots(citizen, "tracking-verdict")
