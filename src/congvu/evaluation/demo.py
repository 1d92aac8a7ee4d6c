"""Demo monthly evaluation for `congvu demo`: Decree 335/2025 assigned to Hà Nội for the year, Hanoi's 3814
framework installed; `lanhdao.badinh` heads the Ba Đình ward; every Ba Đình staff member (the ward and its
service centre, four more colleagues added here so the quota bites) has the months before last self-assessed,
scored and approved through the services; last month is pre-filled with the system's facts and self-assessed,
waiting for `lanhdao.badinh` to score and approve it. The ward's head is rated a level up, by a city leader
added here. Everything goes through the services; a second load finds the data and changes nothing."""

import sys
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.utils import timezone

PROVINCE, WARD, CENTRE = "01", "00004", "00004-TTPVHCC"
HEAD = "lanhdao.badinh"
CITY_LEADER = ("lanhdao.thanhpho", "Nguyễn Mạnh Quyền", PROVINCE, "unit_leader", "Phó Chủ tịch Ủy ban nhân dân thành phố", "0913456782")
EXTRA_STAFF = [
    ("vanhoa.badinh", "Lê Thị Phương Thảo", WARD, "specialist", "Công chức Văn hóa - Xã hội", "0917345126"),
    ("diachinh.badinh", "Trần Đức Long", WARD, "specialist", "Công chức Địa chính - Xây dựng", "0982345617"),
    ("ketoan.badinh", "Vũ Thị Hạnh", WARD, "specialist", "Công chức Tài chính - Kế toán", "0936172845"),
    ("motcua2.badinh", "Ngô Minh Khoa", CENTRE, "one_stop_officer", "Công chức tiếp nhận và trả kết quả", "0978123456"),
]

# Points per criterion of Decree 335 for three kinds of month: a strong month (excellent, ≥ 90), a good one
# and a fair one; one person a month is strong so the ward stays within the 20% quota.
PROFILES = {
    "strong": {"politics": 5, "ethics": 5, "culture": 5, "discipline": 5, "attitude": 5, "innovation": "4.5",
               "quantity": 95, "quality": 92, "timeliness": 96},
    "good": {"politics": "4.5", "ethics": "4.5", "culture": "4.5", "discipline": "4.5", "attitude": "4.5", "innovation": "4.5",
             "quantity": 85, "quality": 80, "timeliness": 88},
    "fair": {"politics": 4, "ethics": 4, "culture": 4, "discipline": 4, "attitude": 4, "innovation": 4,
             "quantity": 75, "quality": 70, "timeliness": 72},
}


def _profile_for(username: str, month: int, position: int) -> dict:
    # One strong person a month, in turn; the one-stop officer of the demo complaint has fair months.
    if username == "motcua.badinh":
        kind = "fair"
    elif position == month % 5:
        kind = "strong"
    else:
        kind = "good" if (position + month) % 3 else "fair"
    return {k: str(v) for k, v in PROFILES[kind].items()}


def load(stdout: TextIO = sys.stdout) -> None:
    from django.contrib.auth import get_user_model

    from congvu.core.demo import DEMO_PASSWORD
    from congvu.evaluation import services
    from congvu.evaluation.forms import previous_month
    from congvu.evaluation.models import Sheet, SheetState
    from congvu.units import services as units
    from congvu.units.models import StaffProfile, Unit

    User = get_user_model()
    province, ward = Unit.objects.filter(code=PROVINCE).first(), Unit.objects.filter(code=WARD).first()
    head = User.objects.filter(username=HEAD).first()
    if province is None or ward is None or head is None:
        print("Bỏ qua demo đánh giá hằng tháng: chưa có phường Ba Đình hoặc lãnh đạo phường.", file=stdout)
        return
    today = timezone.localdate()
    year, month = previous_month(today.year, today.month)
    print(f"Nạp demo đánh giá, xếp loại hằng tháng năm {year} (phường Ba Đình)…", file=stdout, flush=True)
    nd335 = services.install_framework(services.shipped_definition("decree_335"))
    services.install_framework(services.shipped_definition("hanoi_3814"))
    services.assign_framework(nd335, province, year, note="Áp dụng Nghị định 335/2025/NĐ-CP cho các cơ quan, đơn vị của thành phố")
    for username, full_name, code, role, position, phone in [CITY_LEADER, *EXTRA_STAFF]:
        if not User.objects.filter(username=username).exists():
            units.create_staff_member(username, full_name, Unit.objects.get(code=code), role, password=DEMO_PASSWORD,
                                      email=f"{username}@demo.congvu.invalid", phone=phone, job_position=position)
    StaffProfile.objects.filter(user=head).update(is_head=True)
    city_leader = User.objects.get(username=CITY_LEADER[0])
    if Sheet.objects.filter(user=head, year=year, month=month).exists():
        return  # loaded before
    ward_staff = services.staff_rated_by(ward)
    head_profile = StaffProfile.objects.select_related("unit").get(user=head)
    for m in range(1, month + 1):
        with transaction.atomic():
            sheets = services.open_sheets([*ward_staff, head_profile], year, m, actor=head)
            for position, sheet in enumerate(sheets):
                points = _profile_for(sheet.user.username, m, position)
                if sheet.user_id == head.pk:
                    points = {k: str(v) for k, v in PROFILES["good"].items()}
                services.save_self_assessment(sheet, sheet.user, points, comment="Hoàn thành các nhiệm vụ được giao trong tháng.", submit=True)
                if m == month:
                    continue  # last month waits for the leader
                scorer = city_leader if sheet.user_id == head.pk else head
                services.score_sheet(Sheet.objects.get(pk=sheet.pk), scorer, points, leader_comment="Đồng ý với kết quả tự đánh giá.")
            if m < month:
                services.approve_month(ward, year, m, head)
                services.approve_month(province, year, m, city_leader)
    waiting = Sheet.objects.filter(unit=ward, year=year, month=month, state=SheetState.SELF_ASSESSED).count()
    print(f"  {waiting} phiếu tháng {month}/{year} của phường Ba Đình đang chờ {HEAD} chấm điểm.", file=stdout, flush=True)
