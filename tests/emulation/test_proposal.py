"""The year-end proposal end to end on real records: approved evaluation sheets (read through
evaluation.selectors.annual_results), discipline recorded through the people app, recognised initiatives and
earlier years' decisions; the reviewer's changes with reasons; submission; the decision and the register."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from congvu.emulation import selectors, services
from congvu.emulation.models import AuditEntry, Award, Proposal, ProposalLine, ProposalState

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def line(proposal, user, title):
    return ProposalLine.objects.get(proposal=proposal, user=user, title=title)


def unit_line(proposal, title):
    return ProposalLine.objects.get(proposal=proposal, user__isnull=True, title=title)


@pytest.fixture
def year_of_a(people, place, rate, discipline):
    """Commune A's year: the leader and s1 excellent, s2 good, s3 completed, the officer good but reprimanded
    (so not completed by the evaluation's automatic rule); s1 has a recognised initiative and two years of
    Chiến sĩ thi đua cơ sở on record, with a province-wide initiative last year."""
    rate(people.leader_a, place.a, "92")
    rate(people.s1, place.a, "95")
    rate(people.s2, place.a, "80")
    rate(people.s3, place.a, "60")
    rate(people.officer, place.a, "85")
    discipline(people.officer)
    now = services.record_initiative(people.leader_a, title="Số hóa sổ hộ tịch", unit=place.a, year=YEAR, authors=[people.s1])
    services.recognise_initiative(people.leader_a, now, scope="unit", recognised_by="Hội đồng sáng kiến phường",
                                  decision_number="5/QĐ-HĐSK", decision_date=dt.date(YEAR, 11, 2))
    before = services.record_initiative(people.reform, title="Một cửa không giấy", unit=place.a, year=YEAR - 1, authors=[people.s1])
    services.recognise_initiative(people.reform, before, scope="province", recognised_by="Hội đồng sáng kiến thành phố",
                                  decision_number="88/QĐ-HĐSK", decision_date=dt.date(YEAR - 1, 12, 1))
    for year, number in ((YEAR - 2, "10/QĐ-UBND"), (YEAR - 1, "11/QĐ-UBND")):
        services.record_decision(people.leader_a, number=number, date=dt.date(year + 1, 1, 15), signer="Lê Thị Hồng, Chủ tịch",
                                 issuer=place.a, year=year, awards=[services.AwardSpec("chien_si_thi_dua_co_so", place.a, people.s1),
                                                                    services.AwardSpec("lao_dong_tien_tien", place.a, people.s1)])


def test_members_include_the_centre_but_not_other_communes(people, place):
    members = {m.user.username for m in selectors.members_of(place.a)}
    assert members == {"lanhdao-a", "cv1-a", "cv2-a", "cv3-a", "motcua-a"}
    assert {m.user.username for m in selectors.members_of(place.province)} == {"thanhtra"}


def test_proposal_computed_from_evaluation_discipline_initiatives_and_decisions(people, place, year_of_a):
    proposal = services.compute_proposal(people.leader_a, place.a, YEAR)
    assert proposal.state == ProposalState.DRAFT and not proposal.provisional
    ldtt = {u: line(proposal, getattr(people, u), "lao_dong_tien_tien") for u in ("leader_a", "s1", "s2", "s3", "officer")}
    assert {u for u, ln in ldtt.items() if ln.qualifies} == {"leader_a", "s1", "s2"}
    assert ldtt["s1"].level == "excellent" and ldtt["s1"].level_label == "Hoàn thành xuất sắc nhiệm vụ" and ldtt["s1"].points == 95
    # The officer: the evaluation's automatic rule made them "not completed", and the reprimand fails the conduct condition.
    officer = ldtt["officer"]
    assert officer.level == "not_completed"
    assert officer.reasons[0] == [False, "Xếp loại năm 2026: Không hoàn thành nhiệm vụ — cần từ «Hoàn thành tốt nhiệm vụ» trở lên: chưa đạt."]
    assert officer.reasons[1][0] is False and officer.reasons[1][1].startswith("Bị kỷ luật trong năm 2026: Khiển trách — quyết định số 12/QĐ-UBND ngày 03/04/2026")
    cstd = line(proposal, people.s1, "chien_si_thi_dua_co_so")
    assert cstd.qualifies and "«Số hóa sổ hộ tịch» (cơ sở, 2026, quyết định số 5/QĐ-HĐSK ngày 02/11/2026)" in cstd.reasons[1][1]
    assert not line(proposal, people.leader_a, "chien_si_thi_dua_co_so").qualifies
    province = line(proposal, people.s1, "chien_si_thi_dua_cap_tinh")
    assert province.qualifies, province.reasons
    assert province.reasons[0][1].startswith("Đạt Chiến sĩ thi đua cơ sở 3 năm liên tục: 2024, 2025, 2026")
    assert unit_line(proposal, "tap_the_lao_dong_tien_tien").qualifies  # 3/5 = 60 % > 50 %, a reprimand is below "warning"
    excellent = unit_line(proposal, "tap_the_lao_dong_xuat_sac")
    assert not excellent.qualifies
    assert [met for met, _text in excellent.reasons] == [False, False, True, False]
    assert all(ln.proposed == ln.qualifies for ln in proposal.lines.all())
    assert AuditEntry.objects.filter(action="compute_proposal", subject=f"proposal:{proposal.pk}").count() == 1


def test_reviewer_changes_a_line_with_a_reason_kept_across_recomputation_then_submits(people, place, year_of_a):
    proposal = services.compute_proposal(people.leader_a, place.a, YEAR)
    s3 = line(proposal, people.s3, "giay_khen")
    with pytest.raises(ValidationError) as caught:
        services.adjust_line(people.leader_a, s3, proposed=True, reason="  ")
    assert "Nêu lý do" in str(caught.value)
    s3.refresh_from_db()
    assert not s3.proposed
    services.adjust_line(people.leader_a, s3, proposed=True, reason="Thành tích đột xuất: cứu người trong lũ tháng 9.")
    services.compute_proposal(people.leader_a, place.a, YEAR)
    s3 = line(proposal, people.s3, "giay_khen")
    assert s3.proposed and not s3.qualifies and s3.adjustment_reason.startswith("Thành tích đột xuất") and s3.adjusted_by == people.leader_a
    # Back to the engine's verdict: the reason goes.
    services.adjust_line(people.leader_a, s3, proposed=False, reason="")
    s3.refresh_from_db()
    assert not s3.proposed and s3.adjustment_reason == "" and s3.adjusted_by is None
    services.submit_proposal(people.leader_a, proposal)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED and proposal.submitted_by == people.leader_a
    with pytest.raises(ValidationError):
        services.compute_proposal(people.leader_a, place.a, YEAR)
    with pytest.raises(ValidationError):
        services.adjust_line(people.leader_a, s3, proposed=True, reason="muộn")
    with pytest.raises(ValidationError):
        services.submit_proposal(people.leader_a, proposal)
    # The decision from the submitted proposal: every proposed line becomes an award on the register.
    awards = services.awards_from_proposal(proposal)
    decision = services.record_decision(people.leader_a, number="01/QĐ-UBND", date=dt.date(YEAR + 1, 1, 10), signer="Lê Thị Hồng, Chủ tịch",
                                        issuer=place.a, year=YEAR, awards=awards, proposal=proposal)
    assert decision.awards.count() == proposal.lines.filter(proposed=True).count()
    officer_award = Award.objects.filter(decision=decision, user=people.officer)
    assert not officer_award.exists()
    centre_unit = Award.objects.filter(decision=decision, user=people.s1).first().unit
    assert centre_unit == place.a
    register = selectors.register(people.leader_a, year=YEAR)
    assert register.count() == decision.awards.count()
    assert selectors.register(people.leader_a, q="nguyen van an", year=YEAR).count() == Award.objects.filter(decision=decision, user=people.s1).count()


def test_provisional_year_cannot_be_submitted(people, place, rate):
    rate(people.s1, place.a, "95", months=9)
    proposal = services.compute_proposal(people.leader_a, place.a, YEAR)
    assert proposal.provisional
    s1 = line(proposal, people.s1, "lao_dong_tien_tien")
    assert s1.qualifies and s1.provisional and "(tạm tính)" in s1.reasons[0][1]
    with pytest.raises(ValidationError) as caught:
        services.submit_proposal(people.leader_a, proposal)
    assert "tạm tính" in str(caught.value)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DRAFT


def test_only_the_leader_or_the_reform_office_compute_and_review(people, place, year_of_a):
    for outsider in (people.s1, people.leader_b, people.inspector):
        with pytest.raises(PermissionDenied):
            services.compute_proposal(outsider, place.a, YEAR)
    assert not Proposal.objects.exists()
    proposal = services.compute_proposal(people.reform, place.a, YEAR)
    with pytest.raises(PermissionDenied):
        services.adjust_line(people.leader_b, proposal.lines.first(), proposed=False, reason="x")
    with pytest.raises(PermissionDenied):
        services.submit_proposal(people.s2, proposal)
    with pytest.raises(ValidationError):
        services.compute_proposal(people.leader_a, place.a, 1999)


def test_recompute_follows_new_records(people, place, year_of_a, discipline):
    proposal = services.compute_proposal(people.leader_a, place.a, YEAR)
    assert line(proposal, people.s2, "lao_dong_tien_tien").qualifies
    discipline(people.s2, form="warning", number="20/QĐ-UBND")
    services.compute_proposal(people.leader_a, place.a, YEAR)
    assert not line(proposal, people.s2, "lao_dong_tien_tien").qualifies
    collective = unit_line(proposal, "tap_the_lao_dong_tien_tien")
    assert not collective.qualifies
    assert any("Cảnh cáo" in text and not met for met, text in collective.reasons)
