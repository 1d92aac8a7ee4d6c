"""The public dossier lookup: by code and the last 4 digits of the phone, or by the receipt's signed QR link;
one answer for every way of being wrong; the status in plain words for every state; never anything about
the officers."""

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from congvu.dossiers.letters import lookup_token, lookup_url
from congvu.dossiers.services import perform_action, submit_online
from congvu.dossiers.states import DossierState
from congvu.portal import lookup
from tests.portal.conftest import CITIZEN, without_csrf

pytestmark = pytest.mark.django_db
LOOKUP = reverse("portal:lookup")


def path_of(dossier) -> str:
    return lookup_url(dossier).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


@pytest.fixture
def make(place, staff, catalogue, receive):
    """A dossier brought to `state` through the services, by the staff who would act in real life."""

    def processing():
        d = receive(at=timezone.now() - dt.timedelta(days=1))
        d = perform_action(d, "start_processing", actor=staff.officer)
        return perform_action(d, "forward", actor=staff.officer)  # at the specialist's appraisal step

    def go(state: str):
        if state == "submitted_online":
            return submit_online(place.centre, catalogue.five, dict(CITIZEN))
        if state == "not_accepted":
            d = submit_online(place.centre, catalogue.five, dict(CITIZEN))
            return perform_action(d, "not_accept", actor=staff.officer, reasons="Thiếu bản sao Giấy khai sinh")
        if state == "received":
            return receive(at=timezone.now() - dt.timedelta(hours=1))
        if state == "withdrawn":
            return perform_action(receive(), "withdraw", actor=staff.officer, reason="Người nộp xin rút hồ sơ")
        d = processing()
        if state == "processing":
            return d
        if state == "awaiting_supplement":
            return perform_action(d, "request_supplement", actor=staff.specialist, items=["Bản sao Căn cước", "Tờ khai có chữ ký"], reason="Tờ khai chưa ký")
        if state == "awaiting_payment":
            return perform_action(d, "request_payment", actor=staff.specialist, amount_vnd=50000, description="Lệ phí đăng ký lại khai sinh")
        if state == "stopped":
            return perform_action(d, "stop", actor=staff.leader, reason="Người nộp đề nghị dừng")
        if state == "refused":
            return perform_action(d, "refuse", actor=staff.leader, reason="Không đủ điều kiện đăng ký lại")
        d = perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh (bản chính)"}])
        if state == "result_ready":
            return d
        return perform_action(d, "return_result", actor=staff.officer, method="counter", returned_to="Nguyễn Văn An")

    return go


def test_code_and_digits_lead_to_the_receipt_link(client, make):
    dossier = make("processing")
    response = client.post(LOOKUP, {"code": dossier.code, "digits": "5678"})
    assert response.status_code == 303 and response["Location"] == path_of(dossier)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and dossier.code in html and "Đang giải quyết" in html
    assert timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M") in html
    assert "no-store" in page["Cache-Control"] and page["X-Robots-Tag"].startswith("noindex")
    assert page["Referrer-Policy"] == "strict-origin"  # the token never leaves in a Referer
    # Spaces typed around or inside the code do not matter.
    assert client.post(LOOKUP, {"code": f"  {dossier.code} ", "digits": "5678"}).status_code == 303


def test_the_qr_link_of_the_receipt_opens_the_page(client, make):
    dossier = make("received")
    response = client.get(path_of(dossier))
    assert response.status_code == 200 and "Đã tiếp nhận" in response.content.decode()


def test_a_tampered_or_borrowed_token_is_refused(client, make, receive):
    dossier = make("received")
    other = receive()
    token = lookup_token(dossier)
    url = reverse("portal:lookup_token", args=[dossier.code])
    for bad in ("", "abc", token[:-1] + ("A" if token[-1] != "A" else "B"), lookup_token(other)):
        response = client.get(url, {"t": bad})
        html = response.content.decode()
        assert response.status_code == 404 and "Liên kết tra cứu không hợp lệ" in html and "Quá trình xử lý hồ sơ" not in html
    # A genuine token of another dossier does not open this code's page, nor does it open its own under this URL.
    assert client.get(reverse("portal:lookup_token", args=[other.code]), {"t": token}).status_code == 404


def test_wrong_code_and_wrong_digits_give_the_same_answer(client, make):
    dossier = make("processing")
    wrong_digits = client.post(LOOKUP, {"code": dossier.code, "digits": "0000"})
    unknown_code = client.post(LOOKUP, {"code": dossier.code[:-4] + "9999", "digits": "5678"})
    assert wrong_digits.status_code == unknown_code.status_code == 404
    assert without_csrf(wrong_digits.content) == without_csrf(unknown_code.content)
    assert "Không tìm thấy hồ sơ phù hợp" in wrong_digits.content.decode()
    assert dossier.code not in wrong_digits.content.decode()


def test_an_applicant_without_a_phone_is_never_matched_by_digits(client, receive):
    dossier = receive(applicant={**CITIZEN, "phone": ""})
    assert lookup.find_by_code_and_digits(dossier.code, "0000") is None
    assert client.post(LOOKUP, {"code": dossier.code, "digits": "0000"}).status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"code": "", "digits": "5678"}, "Hãy nhập mã hồ sơ in trên giấy tiếp nhận"),
    ({"code": "khong-phai-ma", "digits": "5678"}, "Mã hồ sơ có dạng H15.50.05.13-261008-0975"),
    ({"code": "H99.01.TT1-260302-0001", "digits": "56a8"}, "Hãy nhập đúng 4 chữ số"),
    ({"code": "H99.01.TT1-260302-0001", "digits": "567"}, "Hãy nhập đúng 4 chữ số"),
    ({"code": "H99.01.TT1-260302-0001", "digits": ""}, "Hãy nhập 4 số cuối"),
])
def test_malformed_input_is_named_at_its_field(client, data, message):
    response = client.post(LOOKUP, data)
    html = response.content.decode()
    assert response.status_code == 400 and message in html
    field = next(name for name in ("code", "digits") if message in html.split(f'id="id_{name}-error"', 1)[-1][:300])
    assert f'href="#id_{field}"' in html and 'aria-invalid="true"' in html


STATE_HEADLINES = {
    "submitted_online": "Đã nộp trực tuyến, đang chờ tiếp nhận",
    "received": "Đã tiếp nhận",
    "not_accepted": "Không được tiếp nhận",
    "processing": "Đang giải quyết",
    "awaiting_supplement": "Chờ bạn bổ sung hồ sơ",
    "awaiting_payment": "Chờ bạn nộp phí, lệ phí",
    "withdrawn": "Đã rút theo đề nghị của bạn",
    "stopped": "Đã dừng giải quyết",
    "result_ready": "Đã có kết quả, mời bạn đến nhận",
    "returned": "Đã trả kết quả",
    "refused": "Bị từ chối giải quyết",
}


def test_every_state_has_plain_words():
    assert set(STATE_HEADLINES) == {s.value for s in DossierState} == {s.value for s in lookup.STATUS_WORDS}


@pytest.mark.parametrize("state", sorted(STATE_HEADLINES))
def test_each_state_in_plain_words_without_any_officer(client, make, staff, state):
    dossier = make(state)
    assert dossier.state == state
    html = client.get(path_of(dossier)).content.decode()
    assert 'class="alert alert-' in html and STATE_HEADLINES[state] in html
    assert str(lookup.STATUS_WORDS[DossierState(state)][1]) in html
    for user in (staff.officer, staff.specialist, staff.specialist2, staff.leader, staff.other, staff.dept):
        assert user.get_full_name() not in html and f">{user.username}<" not in html and f" {user.username} " not in html
    assert "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm" in html  # units are named, people never


def test_what_to_do_for_a_supplement_and_a_payment(client, make):
    html = client.get(path_of(make("awaiting_supplement"))).content.decode()
    assert "Bản sao Căn cước" in html and "Tờ khai có chữ ký" in html and "Tờ khai chưa ký" in html
    assert "Thời hạn giải quyết đang tạm dừng" in html
    html = client.get(path_of(make("awaiting_payment"))).content.decode()
    assert "Lệ phí đăng ký lại khai sinh" in html and "50.000 đồng" in html


def test_not_accepted_shows_the_reasons_and_the_way_to_file_again(client, make, staff):
    html = client.get(path_of(make("not_accepted"))).content.decode()
    assert "Thiếu bản sao Giấy khai sinh" in html
    assert reverse("portal:file_online", args=["1.004884"]) in html


def test_the_timeline_names_units_and_times_but_not_internal_notes(client, make, staff):
    dossier = make("processing")
    dossier = perform_action(dossier, "send_back", actor=staff.specialist, reason="Ghi chú nội bộ: anh Minh xem lại")
    html = client.get(path_of(dossier)).content.decode()
    assert "Tiếp nhận hồ sơ" in html and "Bắt đầu giải quyết" in html and "Chuyển lại bước trước để xử lý lại" in html
    assert "Ghi chú nội bộ" not in html
    assert "Phường Hoàn Kiếm" in html  # the specialist's unit
    for event in dossier.events.all():
        assert timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M") in html
    # Steps with their units, the active one marked.
    assert 'aria-current="step"' in html and "Thẩm định hồ sơ" in html


def test_where_and_when_to_collect(client, make, place):
    place.centre.address = "1 Đinh Tiên Hoàng, Hoàn Kiếm"
    place.centre.save()
    dossier = make("result_ready")
    html = client.get(path_of(dossier)).content.decode()
    assert "Nơi và thời gian nhận kết quả" in html and "1 Đinh Tiên Hoàng, Hoàn Kiếm" in html
    assert "Giấy khai sinh (bản chính)" in html and "Mời bạn đến nhận kết quả" in html
    returned = client.get(path_of(make("returned"))).content.decode()
    assert "Đã trả lúc" in returned and "tại bộ phận một cửa" in returned


def test_the_rating_link_appears_when_the_result_is_ready(client, make, monkeypatch):
    from congvu.feedback import links

    monkeypatch.setattr(links, "rating_url", lambda dossier, request=None: f"/danh-gia/{dossier.code}/")
    ready, processing = make("result_ready"), make("processing")
    assert f'href="/danh-gia/{ready.code}/"' in client.get(path_of(ready)).content.decode()
    assert "/danh-gia/" not in client.get(path_of(processing)).content.decode()

    def missing(dossier, request=None):
        raise NoReverseMatch("feedback:rate")

    monkeypatch.setattr(links, "rating_url", missing)
    page = client.get(path_of(ready))
    assert page.status_code == 200 and "Đánh giá mức độ hài lòng" not in page.content.decode()


def test_the_feedback_apps_rating_link_opens_the_rating_page(client, make):
    ready = make("result_ready")
    html = client.get(path_of(ready)).content.decode()
    link = html.split('class="btn btn-success" href="', 1)[1].split('"', 1)[0]
    assert "/danh-gia/" in link and client.get(link.split("testserver", 1)[-1]).status_code == 200
