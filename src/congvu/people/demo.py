"""Demo inspections, discipline and training for `congvu demo` (runs after the indices and reform demos, which
create the Ba Đình ward's staff): an unannounced inspection of the Ba Đình one-stop counter in October by the
city's inspector, concluded, with a violation by the counter officer (no name badge, curt answers — the same
conduct a citizen complained about in the feedback demo) and a corrective action due in late November; a
periodic plan for the fourth quarter; the communication-skills course the Ba Đình staff attended in
September; and a 2026 reprimand of one more Ba Đình specialist created here, `chuyenvien2.badinh`.

Everything goes through the services; a second load finds each piece and changes nothing."""

import datetime as dt
import sys
from decimal import Decimal
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

WARD, COUNTER = "00004", "00004-TTPVHCC"
OTHER_WARD = "00070"
EXTRA_STAFF = ("chuyenvien2.badinh", "Lý Thị Thanh Thảo", WARD, "specialist", "Công chức Văn phòng - Thống kê", "0918452736")
UNANNOUNCED_TITLE = "Kiểm tra đột xuất việc thực hiện văn hóa công vụ tại Bộ phận một cửa phường Ba Đình"
PERIODIC_TITLE = "Kế hoạch kiểm tra công vụ định kỳ quý IV"
COURSE = "Kỹ năng giao tiếp với người dân"
DECISION = "25/QĐ-UBND"

EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def demo_year(today: dt.date) -> int:
    """The year of the story: this year once its October inspection is in the past, else last year."""
    return today.year if today >= dt.date(today.year, 10, 20) else today.year - 1


def load(stdout: TextIO = sys.stdout) -> None:
    from congvu.people import services
    from congvu.units.models import Unit

    print("Nạp kiểm tra công vụ, kỷ luật và bồi dưỡng demo…", file=stdout, flush=True)
    services.install_shipped_checklists()
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=["thanhtra", "caicach", "quantri", "lanhdao.badinh", "motcua.badinh"])}
    units = {u.code: u for u in Unit.objects.filter(code__in=[WARD, COUNTER, OTHER_WARD])}
    inspector = users.get("thanhtra")
    if inspector is None or WARD not in units or COUNTER not in units:
        return  # the base demo is not there: nothing to tell a story about
    year = demo_year(timezone.localdate())
    extra = _extra_staff(units[WARD])
    with transaction.atomic():
        _unannounced(inspector, units, users.get("motcua.badinh"), year)
        _periodic(inspector, units, year)
    with transaction.atomic():
        _course(users.get("caicach"), units[WARD], year)
    signer = users.get("lanhdao.badinh") or users.get("quantri")
    if signer is not None:
        with transaction.atomic():
            _reprimand(signer, extra, year)


def _extra_staff(ward):
    from congvu.core.demo import DEMO_PASSWORD
    from congvu.units import services as units
    from congvu.units.models import StaffProfile

    username, full_name, _code, role, position, phone = EXTRA_STAFF
    profile = StaffProfile.objects.filter(user__username=username).first()
    if profile is None:
        profile = units.create_staff_member(username, full_name, ward, role, password=DEMO_PASSWORD, email=f"{username}@demo.congvu.invalid",
                                            phone=phone, job_position=position)
    return profile.user


def _unannounced(inspector, units, officer, year: int) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from congvu.people import services
    from congvu.people.models import ChecklistTemplate, InspectionPlan

    if InspectionPlan.objects.filter(title=UNANNOUNCED_TITLE, start_date__year=year).exists():
        return
    checklist = ChecklistTemplate.objects.get(code="VHCV-1847-129")
    plan = services.create_plan(inspector, title=UNANNOUNCED_TITLE, kind="unannounced", start_date=dt.date(year, 10, 1), end_date=dt.date(year, 10, 31),
                                units=[units[COUNTER]], team=[inspector], checklist=checklist,
                                purpose="Kiểm tra việc chấp hành giờ giấc, thái độ giao tiếp, trang phục, đeo thẻ và niêm yết thủ tục "
                                        "tại Bộ phận một cửa sau phản ánh của người dân.")
    inspection = services.open_inspection(plan, inspector, unit=units[COUNTER], date=dt.date(year, 10, 14))
    item = {i.code: i for i in checklist.items.all()}
    if officer is not None:
        services.add_finding(inspection, inspector, checklist_item=item["4.2"], staff=officer, severity="minor",
                             description="Không đeo thẻ công chức trong khi tiếp nhận hồ sơ tại quầy số 2.",
                             files=[SimpleUploadedFile("anh-quay-so-2.pdf", EVIDENCE_PDF, content_type="application/pdf")])
        services.add_finding(inspection, inspector, checklist_item=item["2.1"], staff=officer, severity="minor",
                             description="Trả lời người dân cộc lốc, không hướng dẫn cụ thể giấy tờ cần bổ sung (trùng nội dung phản ánh của người dân).")
    services.add_finding(inspection, inspector, checklist_item=item["1.1"], is_violation=False,
                         description="Bộ phận mở cửa đúng giờ; cán bộ có mặt đầy đủ tại thời điểm kiểm tra.")
    services.add_finding(inspection, inspector, checklist_item=item["5.1"], is_violation=False,
                         description="Niêm yết đầy đủ thủ tục hành chính, phí, lệ phí tại khu vực chờ.")
    services.add_action(inspection, inspector, unit=units[COUNTER], deadline=dt.date(year, 11, 28),
                        description="Tổ chức kiểm điểm công chức vi phạm; chấn chỉnh việc đeo thẻ và thái độ giao tiếp tại Bộ phận một cửa; "
                                    "báo cáo kết quả về Đoàn kiểm tra.")
    services.conclude(inspection, inspector, summary="Bộ phận một cửa phường Ba Đình cơ bản thực hiện đúng quy định về giờ làm việc và niêm yết "
                                                     "thủ tục; còn công chức chưa đeo thẻ và có thái độ giao tiếp chưa chuẩn mực.",
                      conclusion="Yêu cầu Ủy ban nhân dân phường Ba Đình chỉ đạo chấn chỉnh ngay các tồn tại nêu trên, xem xét trách "
                                 "nhiệm của công chức vi phạm và báo cáo kết quả khắc phục đúng thời hạn.")


def _periodic(inspector, units, year: int) -> None:
    from congvu.people import services
    from congvu.people.models import ChecklistTemplate, InspectionPlan

    if InspectionPlan.objects.filter(title=f"{PERIODIC_TITLE} năm {year}").exists():
        return
    targets = [units[WARD]] + ([units[OTHER_WARD]] if OTHER_WARD in units else [])
    services.create_plan(inspector, title=f"{PERIODIC_TITLE} năm {year}", kind="periodic", start_date=dt.date(year, 10, 1),
                         end_date=dt.date(year, 12, 31), units=targets, team=[inspector],
                         checklist=ChecklistTemplate.objects.get(code="VHCV-1847-129"),
                         purpose="Kiểm tra định kỳ việc thực hiện văn hóa công vụ, kỷ luật, kỷ cương hành chính tại các phường.")


def _course(admin, ward, year: int) -> None:
    from congvu.people import services
    from congvu.people.models import TrainingCourse
    from congvu.units.models import StaffProfile, Unit

    if admin is None or TrainingCourse.objects.filter(name=COURSE, start_date__year=year).exists():
        return
    organiser = admin.staff_profile.unit if hasattr(admin, "staff_profile") else Unit.objects.get(code="01-SNV")
    course = services.create_course(admin, name=COURSE, organiser=organiser, start_date=dt.date(year, 9, 15), end_date=dt.date(year, 9, 16),
                                    hours=Decimal(16), topic="Chuẩn mực giao tiếp, ứng xử của công chức Bộ phận một cửa (Quyết định 1847/QĐ-TTg); "
                                                             "kỹ năng hướng dẫn hồ sơ và xử lý tình huống với người dân.")
    staff = [p.user for p in StaffProfile.objects.filter(unit__path__startswith=ward.path, user__is_active=True).select_related("user")]
    if staff:
        services.record_attendance(course, admin, staff, completed_on=dt.date(year, 9, 16))


def _reprimand(signer, staff, year: int) -> None:
    from congvu.people import services
    from congvu.people.models import DisciplineRecord

    if DisciplineRecord.objects.filter(staff=staff, decision_number=DECISION).exists():
        return
    services.record_discipline(signer, staff=staff, form="reprimand", decision_number=DECISION, decision_date=dt.date(year, 8, 12),
                               signer="Chủ tịch Ủy ban nhân dân phường Ba Đình", effective_from=dt.date(year, 8, 12),
                               effective_to=dt.date(year + 1, 2, 11),
                               reason="Nhiều lần giải quyết hồ sơ trễ hạn không có lý do chính đáng và không gửi văn bản xin lỗi, hẹn lại "
                                      "người dân theo quy định.")
