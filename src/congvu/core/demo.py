"""Demo data for `congvu demo`: a real province (Hà Nội, from vietnam-provinces), the starter catalogue of real
procedures, and one staff login per role.

Everything here goes through the same services an administrator's actions use; nothing is written around
them. Loading is idempotent: a second `congvu demo` finds the data and leaves it alone.
"""

import sys
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TextIO

from django.db import transaction

DEMO_PASSWORD = "Dich-Vu-Cong-2026"
DEMO_PROVINCE = "01"  # Thành phố Hà Nội

# Units the package does not carry: the city's departments and the public administration service centres of
# two wards. Electronic identifiers are made up for the demo and say so ("DEMO."); a real province enters
# the codes issued under QCVN 102:2016.
DEMO_UNITS = [
    # (code, name, kind, parent code, identifier)
    ("01-TTPVHCC", "Trung tâm Phục vụ hành chính công thành phố Hà Nội", "service_centre", "01", "DEMO.01.TT"),
    ("01-SNV", "Sở Nội vụ thành phố Hà Nội", "department", "01", "DEMO.01.SNV"),
    ("01-STP", "Sở Tư pháp thành phố Hà Nội", "department", "01", "DEMO.01.STP"),
    ("01-SXD", "Sở Xây dựng thành phố Hà Nội", "department", "01", "DEMO.01.SXD"),
    ("01-CA", "Công an thành phố Hà Nội", "department", "01", "DEMO.01.CA"),
    ("00070-TTPVHCC", "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm", "service_centre", "00070", "DEMO.01.00070.TT"),
    ("00004-TTPVHCC", "Trung tâm Phục vụ hành chính công phường Ba Đình", "service_centre", "00004", "DEMO.01.00004.TT"),
]
DEMO_IDENTIFIERS = {"01": "DEMO.01", "00070": "DEMO.01.00070", "00004": "DEMO.01.00004"}


@dataclass(frozen=True)
class DemoStaff:
    username: str
    full_name: str
    unit_code: str
    role: str
    job_position: str
    phone: str
    superuser: bool = False


DEMO_STAFF = [
    DemoStaff("motcua", "Nguyễn Thị Lan", "00070-TTPVHCC", "one_stop_officer", "Công chức tiếp nhận và trả kết quả", "0912345678"),
    DemoStaff("chuyenvien", "Trần Văn Minh", "00070", "specialist", "Công chức Tư pháp - Hộ tịch", "0987654321"),
    DemoStaff("lanhdao", "Lê Thị Hồng", "00070", "unit_leader", "Phó Chủ tịch Ủy ban nhân dân phường", "0903123456"),
    # Joint processing (liên thông) sends a dossier to a department: someone there must be able to take it.
    DemoStaff("chuyenvien.stp", "Ngô Thanh Tùng", "01-STP", "specialist", "Chuyên viên Phòng Hành chính tư pháp", "0915678234"),
    DemoStaff("motcua.badinh", "Phạm Quốc Huy", "00004-TTPVHCC", "one_stop_officer", "Công chức tiếp nhận và trả kết quả", "0934567890"),
    DemoStaff("thanhtra", "Hoàng Văn Sơn", "01", "inspector", "Thanh tra viên công vụ", "0971234567"),
    DemoStaff("caicach", "Đỗ Thị Mai", "01-SNV", "reform_admin", "Chuyên viên cải cách hành chính", "0962345678"),
    DemoStaff("quantri", "Vũ Đức Anh", "01", "system_admin", "Quản trị hệ thống", "0945678901", superuser=True),
]

# A generic four-step internal workflow (receive, appraise, approve, return), its shares as fractions of the
# time limit; the processing step takes the rounding remainder so the shares add up to the limit exactly.
WORKFLOW_SHAPE = [
    ("Tiếp nhận, chuyển hồ sơ", "one_stop_officer", "", Decimal("0.10")),
    ("Thẩm định hồ sơ", "specialist", "", None),
    ("Phê duyệt kết quả", "unit_leader", "", Decimal("0.20")),
    ("Trả kết quả", "one_stop_officer", "", Decimal("0.10")),
]


def demo_is_loaded() -> bool:
    from congvu.units.models import StaffProfile

    return StaffProfile.objects.filter(user__username=DEMO_STAFF[0].username).exists()


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role label, unit name) for the banner `congvu demo` prints."""
    from congvu.units.models import StaffProfile

    profiles = {p.user.username: p for p in StaffProfile.objects.select_related("user", "unit").filter(user__username__in=[s.username for s in DEMO_STAFF])}
    return [(s.username, profiles[s.username].get_role_display(), profiles[s.username].unit.name) for s in DEMO_STAFF if s.username in profiles]


def load_demo(stdout: TextIO = sys.stdout) -> bool:
    """Load the demo data unless it is there already; returns whether anything was loaded."""
    if demo_is_loaded():
        print("Dữ liệu demo đã có sẵn; bỏ qua bước nạp.", file=stdout)
        return False
    _load_units(stdout)
    _load_catalogue(stdout)
    _load_staff(stdout)
    _load_extensions(stdout)
    print("Đã nạp xong dữ liệu demo.", file=stdout, flush=True)
    return True


# Apps that add their own demo data (a `demo.py` with `load(stdout)`), run in this order after units, catalogue
# and staff exist.
DEMO_EXTENSIONS = ("congvu.notify.demo", "congvu.portal.demo", "congvu.feedback.demo", "congvu.queueing.demo", "congvu.indices.demo", "congvu.reform.demo",
                   "congvu.people.demo", "congvu.evaluation.demo", "congvu.emulation.demo", "congvu.sync.demo",
                   # Last: certificates for every unit the extensions above may have added.
                   "congvu.signing.demo")


def _load_extensions(stdout: TextIO) -> None:
    import importlib
    import importlib.util

    for name in DEMO_EXTENSIONS:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).load(stdout)


def _progress(label: str, stdout: TextIO):
    """A progress line that redraws itself on a terminal and writes at most ~20 lines into a log."""
    last = {"step": -1}
    interactive = stdout.isatty()

    def report(done: int, total: int) -> None:
        step = done * 20 // max(total, 1)
        if step == last["step"] and done < total:
            return
        last["step"] = step
        line = f"  {label}: {done}/{total} ({done * 100 // max(total, 1)}%)"
        if interactive:
            print("\r" + line, end="\n" if done >= total else "", file=stdout, flush=True)
        elif done >= total or step % 5 == 0:
            print(line, file=stdout, flush=True)

    return report


def _load_units(stdout: TextIO) -> None:
    from congvu.units import services as units

    print("Nạp đơn vị hành chính thành phố Hà Nội (cấu trúc từ 01/07/2025)…", file=stdout, flush=True)
    units.import_province(DEMO_PROVINCE, progress=_progress("đơn vị", stdout))
    print("Nạp đơn vị hành chính trước 01/07/2025 (quận, huyện, xã cũ) và ghi nhận sáp nhập…", file=stdout, flush=True)
    units.import_province(DEMO_PROVINCE, legacy=True, merged_into=DEMO_PROVINCE, progress=_progress("đơn vị cũ", stdout))
    with transaction.atomic():
        for code, identifier in DEMO_IDENTIFIERS.items():
            units.set_unit_identifier(code, identifier)
        for code, name, kind, parent, identifier in DEMO_UNITS:
            units.add_unit(name, kind, code, parent=parent, identifier=identifier)


def _load_catalogue(stdout: TextIO) -> None:
    from congvu.catalog import selectors as catalog_selectors
    from congvu.catalog import services as catalog

    print("Nạp danh mục thủ tục hành chính (50 thủ tục từ Cổng DVCQG)…", file=stdout, flush=True)
    catalog.import_starter_catalog(progress=_progress("thủ tục", stdout))
    report = catalog.apply_demo_completion_rules()
    print(f"  Hoàn thiện theo quy tắc demo: {len(report.completed)} thủ tục; còn thiếu thông tin: {len(report.still_incomplete)}", file=stdout)
    count = 0
    for version in catalog_selectors.current_versions().filter(is_complete=True):
        if version.workflow_steps.exists() or not version.time_limit_value:
            continue
        catalog.set_workflow(version, demo_workflow(Decimal(version.time_limit_value)), reason="Quy trình nội bộ mẫu của bản demo")
        count += 1
    print(f"  Quy trình nội bộ mẫu: {count} thủ tục", file=stdout)


def demo_workflow(limit: Decimal) -> list[dict]:
    """The generic workflow for a time limit, its shares rounded down to hundredths and summing to `limit`."""
    fixed = {name: (limit * fraction).quantize(Decimal("0.01"), rounding=ROUND_DOWN) for name, _r, _k, fraction in WORKFLOW_SHAPE if fraction}
    remainder = limit - sum(fixed.values())
    return [
        {"name": name, "role": role, "unit_kind": kind, "share": fixed.get(name, remainder)}
        for name, role, kind, _fraction in WORKFLOW_SHAPE
    ]


def _load_staff(stdout: TextIO) -> None:
    from congvu.units import services as units
    from congvu.units.models import Unit

    print("Tạo tài khoản cán bộ demo…", file=stdout, flush=True)
    with transaction.atomic():
        for s in DEMO_STAFF:
            units.create_staff_member(
                s.username, s.full_name, Unit.objects.get(code=s.unit_code), s.role, password=DEMO_PASSWORD,
                email=f"{s.username}@demo.congvu.invalid", phone=s.phone, job_position=s.job_position,
                is_staff_admin=s.superuser,
            )
