"""Movements, initiatives and decisions through the services: the good path with its audit row, and the bad
paths (wrong user, wrong state, bad input) refused with a Vietnamese message and nothing written."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from congvu.emulation import access, selectors, services
from congvu.emulation.models import AuditEntry, CommendationDecision, Initiative, Movement, MovementState, Participant

from .conftest import YEAR

pytestmark = pytest.mark.django_db
CRITERIA = [services.CriterionSpec("1", "Hồ sơ đúng hạn", D(60)), services.CriterionSpec("2", "Sáng kiến cải cách", D(40))]


def launch(actor, organiser, **kw):
    return services.launch_movement(actor, name=kw.get("name", "Thi đua cải cách hành chính"), year=YEAR, start=dt.date(YEAR, 1, 1),
                                    end=kw.get("end", dt.date(YEAR, 12, 31)), organiser=organiser, criteria=kw.get("criteria", CRITERIA))


def test_movement_launch_register_score_close(people, place, rate):
    movement = launch(people.reform, place.province)
    assert movement.max_points == 100
    unit_a = services.register_participant(people.leader_a, movement, unit=place.a, commitment="100% hồ sơ đúng hạn")
    me = services.register_participant(people.s1, movement, unit=place.a, person=people.s1, commitment="Không để hồ sơ trễ hạn")
    b = services.register_participant(people.leader_b, movement, unit=place.b, commitment="Số hóa 100% kết quả")
    services.score_participant(people.reform, unit_a, {"1": (D("55.5"), "Đúng hạn 98%"), "2": (D(30), "")})
    services.score_participant(people.reform, b, {"1": (D(50), ""), "2": (D("35.5"), "")})
    services.score_participant(people.reform, me, {"1": (D(40), "")})
    unit_a.refresh_from_db()
    assert unit_a.total_points == D("85.5")
    rate(people.s1, place.a, "95")
    rows = selectors.movement_results(movement)
    assert [(r.rank, r.participant.pk) for r in rows] == [(1, unit_a.pk), (1, b.pk), (3, me.pk)]
    assert rows[2].level_label == "Hoàn thành xuất sắc nhiệm vụ"  # the person's year-end rating beside the movement score
    # A score is cleared with None; the total follows.
    services.score_participant(people.reform, b, {"2": (None, "")})
    b.refresh_from_db()
    assert b.total_points == 50
    services.close_movement(people.reform, movement)
    assert Movement.objects.get().state == MovementState.CLOSED
    with pytest.raises(ValidationError, match="đã kết thúc"):
        services.score_participant(people.reform, b, {"1": (D(1), "")})
    with pytest.raises(ValidationError, match="không nhận đăng ký"):
        services.register_participant(people.s2, movement, unit=place.a, person=people.s2, commitment="x")
    assert AuditEntry.objects.filter(subject=f"movement:{movement.pk}").count() == 1 + 3 + 4 + 1


def test_movement_bad_paths_write_nothing(people, place):
    with pytest.raises(PermissionDenied):
        launch(people.s1, place.a)
    with pytest.raises(PermissionDenied):
        launch(people.leader_b, place.a)
    with pytest.raises(ValidationError) as caught:
        launch(people.leader_a, place.a, end=dt.date(YEAR - 1, 1, 1), criteria=[services.CriterionSpec("1", "x", D(0)), services.CriterionSpec("1", "y", D(1))])
    assert set(caught.value.message_dict) == {"end", "criteria"}
    assert not Movement.objects.exists()
    movement = launch(people.leader_a, place.a)
    with pytest.raises(ValidationError, match="cùng tên"):
        launch(people.leader_a, place.a)
    with pytest.raises(PermissionDenied):  # commune B is not under commune A
        services.register_participant(people.leader_b, movement, unit=place.b, commitment="x")
    with pytest.raises(PermissionDenied):  # a specialist registers themselves, not a colleague
        services.register_participant(people.s1, movement, unit=place.a, person=people.s2, commitment="x")
    with pytest.raises(ValidationError, match="cam kết"):
        services.register_participant(people.s1, movement, unit=place.a, person=people.s1, commitment=" ")
    with pytest.raises(ValidationError, match="không thuộc đơn vị"):
        services.register_participant(people.leader_a, movement, unit=place.a, person=people.leader_b, commitment="x")
    p = services.register_participant(people.s1, movement, unit=place.a, person=people.s1, commitment="x")
    with pytest.raises(ValidationError, match="Đã đăng ký"):
        services.register_participant(people.leader_a, movement, unit=place.a, person=people.s1, commitment="y")
    with pytest.raises(PermissionDenied):
        services.score_participant(people.s1, p, {"1": (D(1), "")})
    with pytest.raises(ValidationError) as caught:
        services.score_participant(people.leader_a, p, {"1": (D(61), ""), "9": (D(1), "")})
    assert "từ 0 đến 60" in str(caught.value) and "không thuộc phong trào" in str(caught.value)
    assert not p.scores.exists() and Participant.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.close_movement(people.s1, movement)


def test_initiative_recording_and_recognition_rules(people, place):
    with pytest.raises(PermissionDenied):
        services.record_initiative(people.s1, title="x", unit=place.a, year=YEAR, authors=[people.s1])
    with pytest.raises(ValidationError) as caught:
        services.record_initiative(people.leader_a, title=" ", unit=place.a, year=YEAR, authors=[])
    assert set(caught.value.message_dict) == {"title", "authors"}
    initiative = services.record_initiative(people.leader_a, title="Tra cứu hồ sơ bằng mã QR", unit=place.a, year=YEAR, authors=[people.s1, people.s2])
    assert selectors.initiatives_for(people.leader_a, q="ma qr").get() == initiative
    assert selectors.initiatives_for(people.s2, q="binh").get() == initiative  # an author sees it, searched by author name
    assert not selectors.initiatives_for(people.leader_b).exists()
    # Province-wide effect: only the reform office recognises it.
    with pytest.raises(PermissionDenied):
        services.recognise_initiative(people.leader_a, initiative, scope="province", recognised_by="", decision_number="1", decision_date=dt.date(YEAR, 5, 1))
    with pytest.raises(ValidationError) as caught:
        services.recognise_initiative(people.leader_a, initiative, scope="unit", recognised_by="", decision_number="", decision_date=dt.date(YEAR - 1, 5, 1))
    assert set(caught.value.message_dict) == {"decision_number", "decision_date"}
    with pytest.raises(ValidationError):
        services.recognise_initiative(people.leader_a, initiative, scope="galaxy", recognised_by="", decision_number="1", decision_date=dt.date(YEAR, 5, 1))
    assert not Initiative.objects.get().is_recognised
    services.recognise_initiative(people.reform, initiative, scope="province", recognised_by="Hội đồng sáng kiến thành phố",
                                  decision_number="7/QĐ-HĐSK", decision_date=dt.date(YEAR, 6, 1))
    assert Initiative.objects.get().scope == "province"
    assert selectors.initiatives_for(people.leader_a, scope="pending").count() == 0


def test_decision_bad_paths(people, place):
    ok = dict(number="5/QĐ-UBND", date=dt.date(YEAR, 12, 20), signer="Lê Thị Hồng", issuer=place.a, year=YEAR)
    with pytest.raises(PermissionDenied):
        services.record_decision(people.s1, **ok, awards=[services.AwardSpec("giay_khen", place.a, people.s1)])
    with pytest.raises(PermissionDenied):
        services.record_decision(people.leader_b, **ok, awards=[services.AwardSpec("giay_khen", place.a, people.s1)])
    with pytest.raises(ValidationError) as caught:
        services.record_decision(people.leader_a, **{**ok, "number": " ", "signer": "", "date": dt.date(YEAR - 1, 1, 1)}, awards=[])
    assert set(caught.value.message_dict) == {"number", "signer", "date", "awards"}
    with pytest.raises(ValidationError) as caught:
        services.record_decision(people.leader_a, **ok, awards=[
            services.AwardSpec("huan_chuong", place.a, people.s1),
            services.AwardSpec("tap_the_lao_dong_tien_tien", place.a, people.s1),
            services.AwardSpec("giay_khen", place.a, people.leader_b),
            services.AwardSpec("giay_khen", place.b),
        ])
    text = " ".join(caught.value.messages)
    assert "không có trong danh mục" in text and "là danh hiệu tập thể" in text and "không thuộc Phường Hoàn Kiếm" in text
    assert "là danh hiệu cá nhân" in text and "không thuộc đơn vị ban hành" in text
    assert not CommendationDecision.objects.exists()
    services.record_decision(people.leader_a, **ok, awards=[services.AwardSpec("giay_khen", place.a, people.s1),
                                                            services.AwardSpec("giay_khen_tap_the", place.a)])
    with pytest.raises(ValidationError, match="số này"):
        services.record_decision(people.leader_a, **ok, awards=[services.AwardSpec("giay_khen", place.a, people.s2)])
    assert CommendationDecision.objects.count() == 1


def test_access_rules(people, place):
    movement = launch(people.reform, place.province)
    assert access.can_view_movement(people.s1, movement)  # a province movement reaches every ward's staff
    assert access.can_manage_movement(people.reform, movement) and not access.can_manage_movement(people.leader_a, movement)
    assert access.can_register(people.leader_a, movement, place.a) and not access.can_register(people.leader_a, movement, place.b)
    assert access.can_register(people.s1, movement, place.a, people.s1) and not access.can_register(people.s1, movement, place.a)
    ward = launch(people.leader_a, place.a, name="Thi đua phường")
    assert not access.can_view_movement(people.leader_b, ward) and access.can_view_movement(people.officer, ward)
    assert access.can_review_proposal(people.leader_a, place.a) and access.can_review_proposal(people.reform, place.a)
    assert not access.can_review_proposal(people.leader_b, place.a) and not access.can_review_proposal(people.s1, place.a)
    assert not access.can_review_proposal(people.inspector, place.a)
    assert access.can_record_decision(people.reform, place.province) and not access.can_record_decision(people.leader_a, place.province)
    assert access.can_view_proposal(people.inspector, place.a) and not access.can_view_proposal(people.leader_b, place.a)
    assert {m.pk for m in selectors.movements_for(people.leader_b)} == {movement.pk}
    assert {m.pk for m in selectors.movements_for(people.officer)} == {movement.pk, ward.pk}
