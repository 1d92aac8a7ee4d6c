"""A signed-in citizen downloads every dossier, counter visit, rating, feedback, stored document and
notification that carries their personal ID, as JSON and Excel; nothing of anyone else's; each download is
registered. Without sign-in the page says how to get it."""

import io
import json
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from congvu.citizens.identity import CitizenIdentity, sign_in_citizen
from congvu.feedback.services import FeedbackInput, submit_feedback
from congvu.privacy.models import DataRequest, RequestChannel, RequestState
from tests.privacy.conftest import CITIZEN, local

pytestmark = pytest.mark.django_db

OTHER = {"full_name": "Lê Thị Cúc", "personal_id": "001190054321", "phone": "0903 111 222", "email": "cuc@example.vn"}


def _sign_in(client, personal_id=CITIZEN["personal_id"], name="Nguyễn Văn An"):
    from importlib import import_module

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    sign_in_citizen(SimpleNamespace(session=session), CitizenIdentity(personal_id, name, "https://id.example.vn", "sub-1"))
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


@pytest.fixture
def world(receive, place, staff):
    mine = receive(summary="Đăng ký lại khai sinh cho con")
    theirs = receive(applicant=dict(OTHER))
    by_me = submit_feedback(FeedbackInput(subject_kind="unit", unit=place.centre, nature="report", title="Chờ lâu", content="Tôi chờ lâu.",
                                          sender_name="Nguyễn Văn An", sender_phone=CITIZEN["phone"], dossier_code=mine.code), at=local(2026, 3, 3, 9))
    by_someone = submit_feedback(FeedbackInput(subject_kind="unit", unit=place.centre, nature="report", title="Chuyện riêng của Cúc",
                                               content="Nội dung của người khác.", sender_name="Lê Thị Cúc", sender_phone=OTHER["phone"],
                                               dossier_code=mine.code), at=local(2026, 3, 3, 10))
    return SimpleNamespace(mine=mine, theirs=theirs, by_me=by_me, by_someone=by_someone)


def test_json_has_what_carries_the_personal_id_and_nothing_else(client, world):
    _sign_in(client)
    response = client.post(reverse("privacy_public:my_data_download"), {"format": "json"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [d["code"] for d in data["dossiers"]] == [world.mine.code]
    dossier = data["dossiers"][0]
    assert dossier["applicant"]["personal_id"] == CITIZEN["personal_id"] and dossier["summary"] == "Đăng ký lại khai sinh cho con"
    assert dossier["events"][0]["action"] == "receive"
    assert OTHER["personal_id"] not in response.content.decode() and world.theirs.code not in response.content.decode()
    feedback = {f["code"]: f for f in data["feedback"]}
    assert feedback[world.by_me.code]["content"] == "Tôi chờ lâu." and feedback[world.by_me.code]["sender"]["name"] == "Nguyễn Văn An"
    # Someone else wrote about this dossier: that they did is shown, what they wrote and who they are is not.
    assert feedback[world.by_someone.code]["sent_by_another_person"] is True
    assert "Cúc" not in response.content.decode() and "Nội dung của người khác" not in response.content.decode()
    request = DataRequest.objects.get()
    assert (request.personal_id, request.channel, request.state) == (CITIZEN["personal_id"], RequestChannel.PORTAL, RequestState.DONE)


def test_excel_has_one_sheet_per_kind(client, world):
    _sign_in(client)
    response = client.post(reverse("privacy_public:my_data_download"), {"format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Hồ sơ", "Lịch sử hồ sơ", "Tiếp nhận không thành", "Đánh giá", "Phản ánh", "Kho giấy tờ", "Thông báo"]
    rows = list(book["Hồ sơ"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == world.mine.code and rows[1][8] == CITIZEN["personal_id"]
    assert book["Phản ánh"].max_row == 3


def test_the_page_counts_what_is_held(client, world):
    _sign_in(client)
    page = client.get(reverse("privacy_public:my_data")).content.decode()
    assert 'id="my-data-counts"' in page and "Hồ sơ: 1" in page and "Phản ánh, kiến nghị: 2" in page


def test_without_sign_in_nothing_is_given(client, world, settings):
    settings.CITIZEN_OIDC = {**getattr(settings, "CITIZEN_OIDC", {}), "issuer": "", "client_id": ""}
    page = client.get(reverse("privacy_public:my_data"))
    assert page.status_code == 200 and "chưa cấu hình đăng nhập" in page.content.decode()
    response = client.post(reverse("privacy_public:my_data_download"), {"format": "json"})
    assert response.status_code == 401 and CITIZEN["personal_id"] not in response.content.decode()
    assert not DataRequest.objects.exists()


def test_sign_in_link_when_configured(client, world, settings):
    settings.CITIZEN_OIDC = {**getattr(settings, "CITIZEN_OIDC", {}), "issuer": "https://id.example.vn", "client_id": "congvu"}
    page = client.get(reverse("privacy_public:my_data")).content.decode()
    assert reverse("citizens:sign_in") in page


def test_a_bad_format_and_a_get_are_refused(client, world):
    _sign_in(client)
    assert client.post(reverse("privacy_public:my_data_download"), {"format": "../../etc/passwd"}).status_code == 400
    assert client.get(reverse("privacy_public:my_data_download")).status_code == 405
    assert not DataRequest.objects.exists()


def test_download_needs_the_csrf_token(world):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    _sign_in(c)
    assert c.post(reverse("privacy_public:my_data_download"), {"format": "json"}).status_code == 403
    assert not DataRequest.objects.exists()


def test_a_forged_session_value_is_not_a_sign_in(client, world):
    from importlib import import_module

    from congvu.citizens.identity import SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = {"identity": {"personal_id": "0010%", "full_name": "x", "issuer": "i", "subject": "s"}, "at": 9e18}
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.post(reverse("privacy_public:my_data_download"), {"format": "json"}).status_code == 401
