"""Demo emulation data for `congvu demo`: the city's movement "Thi đua thực hiện cải cách hành chính" of the story
year with Ba Đình and Hoàn Kiếm registered and scored, an initiative of chuyenvien.badinh recognised this year and a
province-wide one last year, the ward's commendation decisions of the two previous years (so the rules on
consecutive titles have a history), and the year-end proposal of Ba Đình computed — provisional while the year's
evaluation sheets are not all locked — listing who qualifies and why not.

Everything goes through the services; a second load finds the data and changes nothing."""

import datetime as dt
import sys
from decimal import Decimal
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

PROVINCE, BADINH, HOANKIEM = "01", "00004", "00070"
MOVEMENT = "Thi đua thực hiện cải cách hành chính năm {year}"
CRITERIA = [("1", "Giải quyết hồ sơ đúng hạn, không để trễ hạn", "40"), ("2", "Số hóa hồ sơ, kết quả giải quyết", "30"),
            ("3", "Sáng kiến, cách làm hay trong cải cách hành chính", "20"), ("4", "Sự hài lòng của người dân", "10")]
SCORES = {BADINH: ("36", "27", "18", "8.5"), HOANKIEM: ("38", "25", "15", "9")}


def load(stdout: TextIO = sys.stdout) -> None:
    from congvu.people.demo import demo_year
    from congvu.units.models import Unit

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=["caicach", "lanhdao.badinh", "lanhdao", "chuyenvien.badinh", "motcua.badinh"])}
    units = {u.code: u for u in Unit.objects.filter(code__in=[PROVINCE, BADINH, HOANKIEM])}
    if len(units) < 3 or "caicach" not in users or "lanhdao.badinh" not in users:
        return
    year = demo_year(timezone.localdate())
    print("Nạp phong trào thi đua, sáng kiến, quyết định khen thưởng và đề nghị khen thưởng cuối năm demo…", file=stdout, flush=True)
    _movement(year, users, units)
    _initiatives(year, users, units[BADINH])
    _decisions(year, users, units[BADINH])
    _proposal(year, users["lanhdao.badinh"], units[BADINH])


def _movement(year, users, units) -> None:
    from congvu.emulation import services
    from congvu.emulation.models import Movement

    name = MOVEMENT.format(year=year)
    if Movement.objects.filter(organiser=units[PROVINCE], name=name, year=year).exists():
        return
    with transaction.atomic():
        movement = services.launch_movement(
            users["caicach"], name=name, year=year, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31), organiser=units[PROVINCE],
            description="Phát động trong toàn thành phố: giải quyết hồ sơ đúng hạn, số hóa, sáng kiến cải cách và nâng cao sự hài lòng.",
            criteria=[services.CriterionSpec(code, label, Decimal(points)) for code, label, points in CRITERIA])
        leaders = {BADINH: users["lanhdao.badinh"], HOANKIEM: users.get("lanhdao")}
        for code, commitment in ((BADINH, "100% hồ sơ giải quyết đúng hạn; số hóa 100% kết quả; ít nhất một sáng kiến được công nhận."),
                                 (HOANKIEM, "Tỷ lệ hài lòng trên 95%; không có phản ánh về thái độ phục vụ.")):
            leader = leaders[code] or users["caicach"]
            participant = services.register_participant(leader, movement, unit=units[code], commitment=commitment, at=timezone.make_aware(dt.datetime(year, 2, 10, 9)))
            services.score_participant(users["caicach"], participant, {
                c: (Decimal(p), "") for (c, _label, _max), p in zip(CRITERIA, SCORES[code], strict=True)})
        if "chuyenvien.badinh" in users:
            services.register_participant(users["chuyenvien.badinh"], movement, unit=units[BADINH], person=users["chuyenvien.badinh"],
                                          commitment="Không để hồ sơ hộ tịch nào trễ hạn; hướng dẫn người dân nộp trực tuyến.")


def _initiatives(year, users, ward) -> None:
    from congvu.emulation import services
    from congvu.emulation.models import Initiative

    author = users.get("chuyenvien.badinh")
    if author is None:
        return
    for title, y, scope, by, number, day, actor in (
        ("Tra cứu tình trạng hồ sơ hộ tịch bằng mã QR trên giấy hẹn", year, "unit", "Hội đồng sáng kiến phường Ba Đình",
         "15/QĐ-HĐSK", dt.date(year, 9, 25), "lanhdao.badinh"),
        ("Quy trình số hóa kết quả hộ tịch ngay khi trả kết quả", year - 1, "province", "Hội đồng sáng kiến thành phố Hà Nội",
         "102/QĐ-HĐSK", dt.date(year - 1, 11, 20), "caicach"),
    ):
        if Initiative.objects.filter(title=title, unit=ward, year=y).exists():
            continue
        with transaction.atomic():
            initiative = services.record_initiative(users["lanhdao.badinh"], title=title, unit=ward, year=y, authors=[author],
                                                    summary="Sáng kiến minh họa cho bản demo.")
            services.recognise_initiative(users[actor], initiative, scope=scope, recognised_by=by, decision_number=number, decision_date=day)


def _decisions(year, users, ward) -> None:
    """Ba Đình's decisions of the two previous years: chuyenvien.badinh Chiến sĩ thi đua cơ sở both years (so a
    third year this year makes three in a row), the one-stop officer Lao động tiên tiến."""
    from congvu.emulation import services
    from congvu.emulation.models import CommendationDecision

    leader = users["lanhdao.badinh"]
    signer = f"{leader.get_full_name()}, Phó Chủ tịch Ủy ban nhân dân phường"
    for y in (year - 2, year - 1):
        number = f"{10 + y % 100}/QĐ-UBND"
        if CommendationDecision.objects.filter(issuer=ward, number=number).exists():
            continue
        awards = []
        if "chuyenvien.badinh" in users:
            awards += [services.AwardSpec("lao_dong_tien_tien", ward, users["chuyenvien.badinh"]),
                       services.AwardSpec("chien_si_thi_dua_co_so", ward, users["chuyenvien.badinh"])]
        if "motcua.badinh" in users:
            officer = users["motcua.badinh"]
            awards.append(services.AwardSpec("lao_dong_tien_tien", officer.staff_profile.unit, officer))
        awards.append(services.AwardSpec("tap_the_lao_dong_tien_tien", ward))
        services.record_decision(leader, number=number, date=dt.date(y + 1, 1, 12), signer=signer, issuer=ward, year=y, awards=awards,
                                 note="Quyết định minh họa cho bản demo.")


def _proposal(year, leader, ward) -> None:
    from congvu.emulation import services
    from congvu.emulation.models import Proposal

    if Proposal.objects.filter(unit=ward, year=year).exists():
        return
    services.compute_proposal(leader, ward, year)
