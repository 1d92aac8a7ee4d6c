"""The whole demo (every extension, as `congvu demo` loads it), then the emulation part of the story: the city's
movement with both wards registered and scored, the initiatives, two years of Ba Đình decisions, and Ba Đình's
provisional year-end proposal saying who qualifies and why not; a second emulation load changes nothing."""

import io

import pytest
from django.utils import timezone

from congvu.core.demo import load_demo
from congvu.emulation import demo
from congvu.emulation.models import AuditEntry, Award, CommendationDecision, Initiative, Movement, Participant, Proposal, ProposalLine
from congvu.people.demo import demo_year

pytestmark = pytest.mark.django_db(transaction=False)


def counts():
    return tuple(m.objects.count() for m in (Movement, Participant, Initiative, CommendationDecision, Award, Proposal, ProposalLine, AuditEntry))


def test_demo_story_and_idempotency():
    out = io.StringIO()
    assert load_demo(out)
    assert "thi đua" in out.getvalue()
    year = demo_year(timezone.localdate())
    movement = Movement.objects.get(year=year, organiser__code="01")
    assert set(movement.participants.filter(user__isnull=True).values_list("unit__code", flat=True)) == {"00004", "00070"}
    assert all(p.total_points > 0 for p in movement.participants.filter(user__isnull=True))
    assert Initiative.objects.filter(authors__username="chuyenvien.badinh", year=year, scope="unit").exists()
    assert set(CommendationDecision.objects.filter(issuer__code="00004").values_list("year", flat=True)) == {year - 2, year - 1}
    proposal = Proposal.objects.get(unit__code="00004", year=year)
    assert proposal.provisional and proposal.state == "draft"
    lines = ProposalLine.objects.filter(proposal=proposal)
    people = set(lines.exclude(user=None).values_list("user__username", flat=True))
    assert {"lanhdao.badinh", "chuyenvien.badinh", "motcua.badinh", "chuyenvien2.badinh"} <= people
    # The reprimanded specialist is told why not, in Vietnamese.
    reprimanded = lines.get(user__username="chuyenvien2.badinh", title="lao_dong_tien_tien")
    assert not reprimanded.qualifies and any(not met and "kỷ luật" in text for met, text in reprimanded.reasons)
    assert lines.filter(qualifies=True).exists() and lines.filter(qualifies=False).exists()
    author = lines.get(user__username="chuyenvien.badinh", title="chien_si_thi_dua_cap_tinh")
    assert any("Chiến sĩ thi đua cơ sở" in text for _met, text in author.reasons)
    before = counts()
    demo.load(io.StringIO())
    assert counts() == before
