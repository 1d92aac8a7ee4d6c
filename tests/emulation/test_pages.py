"""The emulation pages: who gets a page, a 403 with the reason or a 404; forms posted through the pages with
their Vietnamese errors and nothing written on bad input; the proposal page; Excel and PDF exports."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from congvu.emulation import services
from congvu.emulation.models import CommendationDecision, Initiative, Movement, Participant, Proposal, ProposalLine

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def movement(people, place):
    return services.launch_movement(people.reform, name="Thi đua cải cách", year=YEAR, start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31),
                                    organiser=place.province, criteria=[services.CriterionSpec("1", "Đúng hạn", D(60)),
                                                                        services.CriterionSpec("2", "Sáng kiến", D(40))])


def test_home_titles_and_staff_home_card(login, people, place):
    client = login(people.leader_a)
    assert reverse("emulation:home") in client.get(reverse("staff:home")).content.decode()
    page = client.get(reverse("emulation:home")).content.decode()
    assert reverse("emulation:proposal", args=[place.a.code, dt.date.today().year]) in page
    titles = client.get(reverse("emulation:titles")).content.decode()
    assert "Chiến sĩ thi đua cơ sở" in titles and "15%" in titles and "Tập thể lao động xuất sắc" in titles
    # The officer of the centre lands on the ward's proposal.
    assert reverse("emulation:proposal", args=[place.a.code, dt.date.today().year]) in login(people.officer).get(reverse("emulation:home")).content.decode()


def test_launch_register_and_score_through_the_pages(login, people, place):
    client = login(people.reform)
    bad = client.post(reverse("emulation:movement_new"), {"name": "Thi đua", "year": YEAR, "start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31",
                                                          "organiser": place.province.pk, "criteria": "1 | Đúng hạn\n2 | Sáng kiến | không"})
    assert bad.status_code == 400 and not Movement.objects.exists()
    assert "Dòng 1" in bad.content.decode() or "Line 1" in bad.content.decode()
    ok = client.post(reverse("emulation:movement_new"), {"name": "Thi đua", "year": YEAR, "start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31",
                                                         "organiser": place.province.pk, "criteria": "1 | Đúng hạn | 60\n2 | Sáng kiến | 40,5"})
    movement = Movement.objects.get()
    assert ok.status_code == 302 and movement.max_points == D("100.5")
    leader = login(people.leader_a)
    assert leader.get(movement.get_absolute_url()).status_code == 200
    response = leader.post(reverse("emulation:movement_register", args=[movement.pk]), {"unit": place.a.pk, "person": "", "commitment": ""})
    assert response.status_code == 400 and not Participant.objects.exists()
    response = leader.post(reverse("emulation:movement_register", args=[movement.pk]), {"unit": place.a.pk, "person": "", "commitment": "Đúng hạn 100%"})
    assert response.status_code == 302
    participant = Participant.objects.get()
    score_url = reverse("emulation:movement_score", args=[movement.pk, participant.pk])
    assert leader.get(score_url).status_code == 403  # only the organiser scores
    client = login(people.reform)
    assert client.post(score_url, {"p_1": "70", "p_2": "abc"}).status_code == 400
    participant.refresh_from_db()
    assert participant.total_points == 0
    assert client.post(score_url, {"p_1": "55,5", "n_1": "Tốt", "p_2": "30"}).status_code == 302
    participant.refresh_from_db()
    assert participant.total_points == D("85.5")
    export = client.get(reverse("emulation:movement_export", args=[movement.pk]))
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert [c.value for c in sheet[2]][:2] == [1, place.a.name] and sheet.cell(2, 7).value == 85.5
    assert client.post(reverse("emulation:movement_close", args=[movement.pk])).status_code == 302
    assert login(people.leader_a).post(reverse("emulation:movement_close", args=[movement.pk])).status_code == 403


def test_out_of_scope_is_404(login, people, place, movement):
    ward = services.launch_movement(people.leader_a, name="Phường", year=YEAR, start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31),
                                    organiser=place.a, criteria=[services.CriterionSpec("1", "x", D(1))])
    initiative = services.record_initiative(people.leader_a, title="QR", unit=place.a, year=YEAR, authors=[people.s1])
    client = login(people.leader_b)
    assert client.get(ward.get_absolute_url()).status_code == 404
    assert client.get(movement.get_absolute_url()).status_code == 200
    assert client.get(reverse("emulation:initiative", args=[initiative.pk])).status_code == 404
    assert client.get(reverse("emulation:proposal", args=[place.a.code, YEAR])).status_code == 404
    assert client.post(reverse("emulation:proposal", args=[place.a.code, YEAR])).status_code == 404
    assert client.get(reverse("emulation:proposal", args=["T01-A-TT", YEAR])).status_code == 404  # a centre has no proposal of its own
    assert client.get(reverse("emulation:movement_new")).status_code == 200  # B's leader launches for B
    assert login(people.s1).get(reverse("emulation:movement_new")).status_code == 403
    assert login(people.s1).get(reverse("emulation:decision_new")).status_code == 403


def test_initiative_pages(login, people, place):
    client = login(people.leader_a)
    assert client.post(reverse("emulation:initiative_new"), {"title": "", "unit": place.a.pk, "year": YEAR}).status_code == 400
    response = client.post(reverse("emulation:initiative_new"), {"title": "Tra cứu bằng mã QR", "unit": place.a.pk, "year": YEAR,
                                                                 "authors": [people.s1.staff_profile.pk]})
    initiative = Initiative.objects.get()
    assert response.status_code == 302
    url = reverse("emulation:initiative", args=[initiative.pk])
    assert login(people.leader_a).post(url, {"scope": "province", "decision_number": "1", "decision_date": f"{YEAR}-05-01"}).status_code == 403
    assert login(people.leader_a).post(url, {"scope": "unit", "decision_number": "", "decision_date": f"{YEAR}-05-01"}).status_code == 400
    assert login(people.leader_a).post(url, {"scope": "unit", "decision_number": "3/QĐ", "decision_date": f"{YEAR}-05-01"}).status_code == 302
    assert Initiative.objects.get().scope == "unit"
    assert login(people.s1).get(url).status_code == 200  # the author
    listing = login(people.leader_a).get(reverse("emulation:initiatives"), {"q": "ma qr"}).content.decode()
    assert "Tra cứu bằng mã QR" in listing
    export = login(people.leader_a).get(reverse("emulation:initiatives_export"))
    assert load_workbook(io.BytesIO(export.content)).active.cell(2, 2).value == "Tra cứu bằng mã QR"


def test_proposal_page_compute_adjust_submit_and_decision(login, people, place, rate):
    for user, points in ((people.leader_a, "92"), (people.s1, "95"), (people.s2, "80"), (people.s3, "75"), (people.officer, "85")):
        rate(user, place.a, points)
    url = reverse("emulation:proposal", args=[place.a.code, YEAR])
    assert login(people.s1).post(url).status_code == 403
    client = login(people.leader_a)
    assert client.post(url).status_code == 302
    page = client.get(url).content.decode()
    assert "Lao động tiên tiến" in page and "Chưa đạt điều kiện" not in page.split("Chiến sĩ thi đua cơ sở")[0]
    assert "Có 0 sáng kiến được công nhận" in page
    proposal = Proposal.objects.get()
    target = ProposalLine.objects.get(proposal=proposal, user=people.s3, title="chien_si_thi_dua_co_so")
    adjust = reverse("emulation:proposal_adjust", args=[place.a.code, YEAR, target.pk])
    response = client.post(adjust, {f"l{target.pk}-proposed": "yes", f"l{target.pk}-reason": ""})
    assert response.status_code == 400 and "Nêu lý do" in response.content.decode()
    assert client.post(adjust, {f"l{target.pk}-proposed": "maybe"}).status_code == 400
    assert client.post(adjust, {f"l{target.pk}-proposed": "yes", f"l{target.pk}-reason": "Sáng kiến chờ công nhận"}).status_code == 302
    target.refresh_from_db()
    assert target.proposed and target.adjustment_reason == "Sáng kiến chờ công nhận"
    sheet = load_workbook(io.BytesIO(client.get(reverse("emulation:proposal_export", args=[place.a.code, YEAR])).content)).active
    assert any(row[7] == "Sáng kiến chờ công nhận" for row in sheet.iter_rows(values_only=True))
    assert client.post(reverse("emulation:proposal_submit", args=[place.a.code, YEAR])).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "submitted"
    assert client.post(reverse("emulation:proposal_submit", args=[place.a.code, YEAR])).status_code == 400
    # The decision from the proposal: the proposed lines are offered as ticked boxes.
    new = reverse("emulation:decision_new") + f"?proposal={place.a.code}&year={YEAR}"
    form = client.get(new)
    assert form.status_code == 200 and "Sáng kiến chờ công nhận" not in form.content.decode()
    chosen = [str(target.pk), str(ProposalLine.objects.get(proposal=proposal, user=people.s1, title="lao_dong_tien_tien").pk)]
    bad = client.post(new, {"number": "", "date": f"{YEAR + 1}-01-10", "signer": "Lê Thị Hồng", "issuer": place.a.pk, "year": YEAR, "lines": chosen,
                            "extra": "khong-ai | giay_khen"})
    assert bad.status_code == 400 and not CommendationDecision.objects.exists()
    ok = client.post(new, {"number": "01/QĐ-UBND", "date": f"{YEAR + 1}-01-10", "signer": "Lê Thị Hồng", "issuer": place.a.pk, "year": YEAR,
                           "lines": chosen, "extra": f"{people.s2.username} | giay_khen\n{place.a.code} | giay_khen_tap_the"})
    assert ok.status_code == 302
    decision = CommendationDecision.objects.get()
    assert decision.awards.count() == 4 and decision.proposal == proposal
    assert client.get(decision.get_absolute_url()).status_code == 200


def test_register_filters_sorts_and_exports(login, people, place):
    services.record_decision(people.leader_a, number="9/QĐ-UBND", date=dt.date(YEAR, 12, 20), signer="Lê Thị Hồng", issuer=place.a, year=YEAR,
                             awards=[services.AwardSpec("giay_khen", place.a, people.s1), services.AwardSpec("giay_khen_tap_the", place.a)])
    services.record_decision(people.leader_b, number="3/QĐ-UBND", date=dt.date(YEAR, 12, 1), signer="Vũ Văn Em", issuer=place.b, year=YEAR,
                             awards=[services.AwardSpec("giay_khen", place.b, people.leader_b)])
    client = login(people.leader_a)
    page = client.get(reverse("emulation:register")).content.decode()
    assert "9/QĐ-UBND" in page and "3/QĐ-UBND" not in page  # commune B's decision is out of scope
    assert "<td>Giấy khen tập thể</td>" not in client.get(reverse("emulation:register"), {"kind": "individual"}).content.decode()
    assert "<td>Giấy khen tập thể</td>" in client.get(reverse("emulation:register"), {"kind": "collective"}).content.decode()
    assert "Nguyễn Văn An" in client.get(reverse("emulation:register"), {"q": "nguyen van"}).content.decode()
    assert client.get(reverse("emulation:register"), {"year": "abc"}).status_code == 200  # a bad filter is shown, not a 500
    office = login(people.reform)
    sheet = load_workbook(io.BytesIO(office.get(reverse("emulation:register_export"), {"sort": "date"}).content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["3/QĐ-UBND", "9/QĐ-UBND", "9/QĐ-UBND"]
    pdf = office.get(reverse("emulation:register_pdf"), {"year": YEAR})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    import shutil
    import subprocess
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
        assert "Giấy khen" in text and "Nguyễn Văn An" in text


def test_decision_list_and_other_pages_render(login, people, place, movement):
    client = login(people.reform)
    for name in ("emulation:movements", "emulation:initiatives", "emulation:proposals", "emulation:decisions", "emulation:decision_new",
                 "emulation:initiative_new", "emulation:movement_new"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("emulation:proposals"), {"year": "20x6"}).status_code == 200
    assert client.get(reverse("emulation:movements"), {"year": "nope"}).status_code == 200
