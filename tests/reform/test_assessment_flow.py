"""Self-assessment → submit → verification with a correction → final score, band, ranking with ties; audit
rows; locks; delegation. Expected values worked out by hand in each test."""

from decimal import Decimal

import pytest

from congvu.reform import selectors, services
from congvu.reform.models import AssessmentState, AuditEntry, Criterion, Verification
from congvu.reform.services import Decision, ParError, ParErrorCode, SelfEntry

from .conftest import D

pytestmark = pytest.mark.django_db


def fill(framework, unit, leader, points=("1.5", "2", "2.5")):
    a = services.open_assessment(framework, unit, leader)
    entries = {code: SelfEntry(D(p), f"Giải trình {code}") for code, p in zip(("1.1", "1.2", "2.1"), points)}
    return services.save_self_assessment(a, leader, entries)


def test_install_creates_the_tree_and_an_audit_row(framework):
    codes = list(framework.criteria.order_by("order").values_list("code", "parent__code"))
    assert codes == [("1", None), ("1.1", "1"), ("1.2", "1"), ("2", None), ("2.1", "2"), ("2.2", "2")]
    bound = Criterion.objects.get(framework=framework, code="2.2")
    assert bound.scoring == {"method": "thresholds", "thresholds": [["98", "3"], ["90", "2"]]}
    assert AuditEntry.objects.filter(framework=framework, action="install_framework").count() == 1


def test_second_framework_for_same_year_and_target_is_refused(framework, people):
    from .conftest import small_framework_data

    with pytest.raises(ParError) as caught:
        services.install_framework(small_framework_data(), actor=people.reform)
    assert caught.value.code == ParErrorCode.EXISTS


def test_full_flow_with_correction_gives_final_score_band_and_audit(framework, place, people, measured):
    measured[("on_time_rate", "T01-A")] = D("95")  # ≥ 90 and < 98 (percent) → 2 points
    a = fill(framework, place.a, people.leader_a)
    assert a.self_score == D("6.00")  # 1.5 + 2 + 2.5; the bound criterion is not measured before submission
    a = services.submit_assessment(a, people.leader_a)
    assert a.state == AssessmentState.SUBMITTED
    assert a.self_score == D("8.00")  # + 2 measured points
    auto = a.scores.get(criterion__code="2.2")
    assert (auto.metric_value, auto.verified_points, auto.verification) == (D("95.0000"), D("2.00"), Verification.AUTOMATIC)

    a = services.verify_assessment(a, people.reform, {
        "1.1": Decision(Verification.ACCEPTED), "1.2": Decision(Verification.ACCEPTED),
        "2.1": Decision(Verification.CORRECTED, D("1.5"), "Còn 2 thủ tục chưa niêm yết."),
    }, finish=True)
    assert a.state == AssessmentState.VERIFIED
    assert a.final_score == D("7.00")  # 1.5 + 2 + 1.5 + 2
    corrected = a.scores.get(criterion__code="2.1")
    assert (corrected.self_points, corrected.verified_points, corrected.correction_reason) == (D("2.5"), D("1.5"), "Còn 2 thủ tục chưa niêm yết.")
    actions = list(AuditEntry.objects.filter(assessment=a).order_by("pk").values_list("action", flat=True))
    assert actions == ["open_assessment", "save_self_assessment", "submit_assessment", "finish_verification"]
    last = AuditEntry.objects.filter(assessment=a).last()
    assert last.actor == people.reform
    assert last.before["scores"]["2.1"]["verified_points"] is None and last.after["scores"]["2.1"]["verified_points"] == "1.50"
    [row] = [r for r in selectors.par_results(framework) if r.unit == place.a]
    assert (row.score, row.band, row.rank, row.verified) == (D("7.00"), "C", 1, True)


def test_correction_needs_a_reason_and_points_within_maximum(framework, place, people, measured):
    a = services.submit_assessment(fill(framework, place.a, people.leader_a), people.leader_a)
    with pytest.raises(ParError) as caught:
        services.verify_assessment(a, people.reform, {"2.1": Decision(Verification.CORRECTED, D(1), "  ")})
    assert caught.value.fields == {"2.1": "Việc điều chỉnh điểm cần nêu lý do."}
    with pytest.raises(ParError):
        services.verify_assessment(a, people.reform, {"2.1": Decision(Verification.CORRECTED, D(4), "Quá điểm")})
    assert a.scores.get(criterion__code="2.1").verification == ""


def test_finishing_needs_every_verdict_and_writes_nothing_otherwise(framework, place, people, measured):
    a = services.submit_assessment(fill(framework, place.a, people.leader_a), people.leader_a)
    with pytest.raises(ParError) as caught:
        services.verify_assessment(a, people.reform, {"1.1": Decision(Verification.ACCEPTED)}, finish=True)
    assert caught.value.code == ParErrorCode.INCOMPLETE and "1.2" in caught.value.message
    a.refresh_from_db()
    assert a.state == AssessmentState.SUBMITTED and a.scores.get(criterion__code="1.1").verification == ""


def test_ranking_ties_share_a_rank(framework, place, people, measured):
    from congvu.units import services as units
    from congvu.units.models import Role, UnitKind

    c = units.add_unit("Xã Sóc Sơn", UnitKind.COMMUNE, "T01-C", parent=place.province)
    leader_c = units.create_staff_member("lanhdao-c", "Lãnh đạo C", c, Role.UNIT_LEADER).user
    measured.update({("on_time_rate", "T01-A"): D("99"), ("on_time_rate", "T01-B"): D("91"), ("on_time_rate", "T01-C"): D("50")})
    accept_all = {code: Decision(Verification.ACCEPTED) for code in ("1.1", "1.2", "2.1")}
    # A: 1.5 + 2.5 + 2 + 3 = 9 (A).  B: 1.5 + 2.5 + 3 + 2 = 9 (A).  C: 1 + 1 + 1 + 0 = 3 (D).
    for unit, leader, points in ((place.a, people.leader_a, ("1.5", "2.5", "2")), (place.b, people.leader_b, ("1.5", "2.5", "3")),
                                 (c, leader_c, ("1", "1", "1"))):
        a = services.submit_assessment(fill(framework, unit, leader, points), leader)
        services.verify_assessment(a, people.reform, accept_all, finish=True)
    rows = selectors.par_results(framework)
    assert [(r.unit.code, r.score, r.band, r.rank) for r in rows] == [
        ("T01-A", D("9.00"), "A", 1), ("T01-B", D("9.00"), "A", 1), ("T01-C", D("3.00"), "D", 3),
    ]
    assert selectors.band_counts(framework, rows) == [("A", 2), ("B", 0), ("C", 0), ("D", 1)]
    # Under a parent: only its subtree.
    assert [r.unit.code for r in selectors.par_results(framework, parent_unit=place.b)] == ["T01-B"]


def test_unverified_units_have_no_rank(framework, place, people, measured):
    services.submit_assessment(fill(framework, place.a, people.leader_a), people.leader_a)
    rows = {r.unit.code: r for r in selectors.par_results(framework)}
    assert (rows["T01-A"].score, rows["T01-A"].rank, rows["T01-A"].verified, rows["T01-A"].self_score) == (None, None, False, D("6.00"))
    assert rows["T01-B"].state == "" and rows["T01-B"].rank is None


def test_submit_needs_every_self_assessed_criterion_and_then_locks(framework, place, people, measured):
    a = services.open_assessment(framework, place.a, people.leader_a)
    services.save_self_assessment(a, people.leader_a, {"1.1": SelfEntry(D(1))})
    with pytest.raises(ParError) as caught:
        services.submit_assessment(a, people.leader_a)
    assert set(caught.value.fields) == {"1.2", "2.1"}
    a = services.submit_assessment(fill(framework, place.a, people.leader_a), people.leader_a)
    with pytest.raises(ParError) as caught:
        services.save_self_assessment(a, people.leader_a, {"1.1": SelfEntry(D(0))})
    assert caught.value.code == ParErrorCode.LOCKED


def test_points_above_maximum_or_on_bound_criterion_are_refused(framework, place, people):
    a = services.open_assessment(framework, place.a, people.leader_a)
    with pytest.raises(ParError) as caught:
        services.save_self_assessment(a, people.leader_a, {"1.1": SelfEntry(D("1.6")), "2.2": SelfEntry(D(3))})
    assert set(caught.value.fields) == {"1.1", "2.2"}
    assert a.scores.filter(self_points__isnull=False).count() == 0


def test_other_units_leader_and_undelegated_staff_cannot_edit(framework, place, people):
    a = services.open_assessment(framework, place.a, people.leader_a)
    for user in (people.leader_b, people.specialist_a, people.reform):
        with pytest.raises(ParError) as caught:
            services.save_self_assessment(a, user, {"1.1": SelfEntry(D(1))})
        assert caught.value.code == ParErrorCode.FORBIDDEN
    services.set_delegates(a, people.leader_a, [people.specialist_a])
    services.save_self_assessment(a, people.specialist_a, {"1.1": SelfEntry(D(1))})
    assert a.scores.get(criterion__code="1.1").self_points == D(1)
    with pytest.raises(ParError):
        services.set_delegates(a, people.leader_a, [people.leader_b])  # not staff of the unit


def test_only_reform_admins_verify_and_publish(framework, place, people, measured):
    a = services.submit_assessment(fill(framework, place.a, people.leader_a), people.leader_a)
    for user in (people.leader_a, people.inspector, people.leader_b):
        with pytest.raises(ParError) as caught:
            services.verify_assessment(a, user, {"1.1": Decision(Verification.ACCEPTED)})
        assert caught.value.code == ParErrorCode.FORBIDDEN
        with pytest.raises(ParError):
            services.publish_results(framework, user)
    with pytest.raises(ParError) as caught:
        services.publish_results(framework, people.reform)  # nothing verified yet
    assert caught.value.code == ParErrorCode.INCOMPLETE


def test_return_to_unit_reopens_the_draft(framework, place, people, measured):
    a = services.submit_assessment(fill(framework, place.a, people.leader_a), people.leader_a)
    services.verify_assessment(a, people.reform, {"1.1": Decision(Verification.ACCEPTED)})
    a = services.return_assessment(a, people.reform, "Thiếu minh chứng tiêu chí 2.1")
    assert a.state == AssessmentState.DRAFT and a.scores.get(criterion__code="1.1").verification == ""
    services.save_self_assessment(a, people.leader_a, {"2.1": SelfEntry(D(3))})


def test_evidence_is_stored_through_documents_and_bad_types_are_refused(framework, place, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from congvu.documents.models import StoredFile

    a = services.open_assessment(framework, place.a, people.leader_a)
    fake = SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00 a Windows program", content_type="application/pdf")
    with pytest.raises(ParError) as caught:
        services.save_self_assessment(a, people.leader_a, {"1.1": SelfEntry(D(1))}, files={"1.1": [fake]})
    assert "PDF" in caught.value.fields["1.1"]
    assert StoredFile.objects.count() == 0 and a.scores.get(criterion__code="1.1").self_points is None
    good = SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4 a report", content_type="application/pdf")
    services.save_self_assessment(a, people.leader_a, {"1.1": SelfEntry(D(1))}, files={"1.1": [good]})
    [evidence] = a.scores.get(criterion__code="1.1").evidence.all()
    assert evidence.file.original_name == "bao-cao.pdf" and evidence.uploaded_by == people.leader_a


def test_framework_of_another_kind_is_refused(framework, place, people):
    with pytest.raises(ParError) as caught:
        services.open_assessment(framework, place.dept, people.reform)
    assert caught.value.code == ParErrorCode.INVALID


def test_bound_criterion_reads_the_real_indicator_for_the_framework_year(framework, place, people):
    """No monkeypatching: congvu.indices.selectors.metric_value answers for the year 2026; a commune without any
    dossier has no on-time rate, so the bound criterion scores 0 and shows no value."""
    a = services.submit_assessment(fill(framework, place.a, people.leader_a), people.leader_a)
    auto = a.scores.get(criterion__code="2.2")
    assert (auto.metric_value, auto.verified_points, auto.verification) == (None, D("0.00"), Verification.AUTOMATIC)
