"""Demo PAR data for `congvu demo`: the two example frameworks installed for the current year, the Hoàn Kiếm
ward's self-assessment submitted and verified by the reform office with one correction, the Ba Đình ward's still
a draft, and a few years of external indices for the city.

The external figures are DEMO FIGURES, NOT OFFICIAL: each row says so in its source and note. Everything goes
through the services; a second load finds the data and changes nothing."""

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ("example_department.json", "example_commune.json")
PROVINCE = "01"
VERIFIED_WARD, DRAFT_WARD = "00070", "00004"
DRAFT_LEADER = ("lanhdao.badinh", "Bùi Thị Thu", "Phó Chủ tịch Ủy ban nhân dân phường", "0916234567")
DEMO_SOURCE = "Số liệu demo — không phải số liệu chính thức"

# (year, kind, score, rank, ranked_count): made up for the demo, in the ranges those indices take.
EXTERNAL = [
    (2022, "pci", "67.12", 24, 63), (2023, "pci", "68.45", 18, 63), (2024, "pci", "69.30", 12, 63),
    (2022, "papi", "42.10", 20, 63), (2023, "papi", "43.02", 15, 63), (2024, "papi", "43.55", 11, 63),
    (2022, "par", "86.20", 9, 63), (2023, "par", "88.74", 6, 63), (2024, "par", "89.51", 5, 63),
    (2022, "sipas", "82.40", 30, 63), (2023, "sipas", "84.16", 22, 63), (2024, "sipas", "85.90", 17, 63),
]

# A tiny, valid one-page PDF standing in for a scanned report.
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def load(stdout: TextIO = sys.stdout) -> None:
    from congvu.reform import services
    from congvu.reform.models import Assessment, Framework
    from congvu.units.models import Unit

    year = timezone.localdate().year
    User = get_user_model()
    admin = User.objects.filter(username="caicach").first()
    print("Nạp bộ chỉ số CCHC mẫu và chỉ số bên ngoài (số liệu demo)…", file=stdout, flush=True)
    frameworks = {}
    for name in EXAMPLES:
        data = json.loads((DATA / name).read_text("utf-8"))
        existing = Framework.objects.filter(year=year, target=data["target"]).first()
        frameworks[data["target"]] = existing or services.install_framework(data, actor=admin, year=year)
    commune = frameworks["commune"]
    ward, other = Unit.objects.filter(code=VERIFIED_WARD).first(), Unit.objects.filter(code=DRAFT_WARD).first()
    leader = User.objects.filter(username="lanhdao").first()
    if ward is not None and leader is not None and admin is not None and not Assessment.objects.filter(framework=commune, unit=ward).exists():
        _verified(commune, ward, leader, admin)
    if other is not None and not Assessment.objects.filter(framework=commune, unit=other).exists():
        _draft(commune, other)
    province = Unit.objects.filter(code=PROVINCE).first()
    if province is not None and admin is not None:
        _external(province, admin)


def _self_entries(framework, share: Decimal, explanation: str) -> dict:
    from congvu.reform import services
    from congvu.reform.framework import CENT

    entries = {}
    for c in services.leaves_of(framework):
        if not c.metric:
            entries[c.code] = services.SelfEntry((c.max_points * share).quantize(CENT), explanation)
    return entries


def _verified(framework, ward, leader, admin) -> None:
    from congvu.reform import services
    from congvu.reform.models import Verification

    with transaction.atomic():
        assessment = services.open_assessment(framework, ward, leader)
        entries = _self_entries(framework, Decimal("0.9"), "Đã thực hiện theo kế hoạch; xem báo cáo kèm theo.")
        entries["1.1.1"] = services.SelfEntry(Decimal(2), "Kế hoạch CCHC năm ban hành ngày 28/12 năm trước.")
        entries["3.1"] = services.SelfEntry(Decimal(5), "Niêm yết đầy đủ 100% thủ tục tại Bộ phận một cửa.")
        services.save_self_assessment(assessment, leader, entries, files={"1.1.1": [_pdf("ke-hoach-cchc.pdf")]})
        services.submit_assessment(assessment, leader)
        decisions = {code: services.Decision(Verification.ACCEPTED) for code in entries}
        decisions["3.1"] = services.Decision(Verification.CORRECTED, Decimal(4), "Kiểm tra thực tế: 3 thủ tục niêm yết chưa cập nhật phí, lệ phí mới.")
        services.verify_assessment(assessment, admin, decisions, finish=True)


def _draft(framework, ward) -> None:
    from congvu.reform import services
    from congvu.units import services as units
    from congvu.units.models import Role, StaffProfile

    from congvu.core.demo import DEMO_PASSWORD

    username, full_name, position, phone = DRAFT_LEADER
    profile = StaffProfile.objects.filter(user__username=username).first()
    with transaction.atomic():
        if profile is None:
            profile = units.create_staff_member(username, full_name, ward, Role.UNIT_LEADER, password=DEMO_PASSWORD,
                                                email=f"{username}@demo.congvu.invalid", phone=phone, job_position=position)
        assessment = services.open_assessment(framework, ward, profile.user)
        entries = _self_entries(framework, Decimal("0.8"), "Đang tổng hợp minh chứng.")
        services.save_self_assessment(assessment, profile.user, dict(list(entries.items())[:6]))


def _external(province, admin) -> None:
    from congvu.reform import services
    from congvu.reform.models import ExternalIndex

    with transaction.atomic():
        for year, kind, score, rank, count in EXTERNAL:
            if ExternalIndex.objects.filter(year=year, kind=kind, unit=province).exists():
                continue
            services.save_external_index(admin, {
                "year": year, "kind": kind, "unit": province, "score": Decimal(score), "rank": rank, "ranked_count": count,
                "source": DEMO_SOURCE, "note": "Minh họa cho bản demo; nhập số liệu công bố chính thức khi triển khai.",
            })


def _pdf(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, EVIDENCE_PDF, content_type="application/pdf")
