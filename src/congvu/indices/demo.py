"""Demo history for `congvu demo`: six full months before today and the current month of dossiers at the demo
wards and two city departments, their ratings and feedback, so the dashboards, the ranking and the reports
have numbers to show the day the demo starts.

Every record is written by the services the staff pages and the portal call, with `at=` instants in the past
and the person whose turn it is acting at each step (so the permission checks pass as they would on the
pages): intake at the counter or online, the steps of the workflow, joint processing with the Department of
Justice, supplements (a few twice), fees (some paid online), apologies, withdrawals, refusals, stops, results
(some electronic) and their return; then the applicants' ratings through their rating links, and feedback.

Deterministic (one seeded `random.Random`, dates relative to today) and idempotent: the whole history is one
transaction, and the staff it adds mark it as loaded. The units differ on purpose (Hoàn Kiếm is quick, Ba Đình
slow, the Department of Construction in between) so that the ranking has something to rank.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.utils import timezone

SEED = 766
HISTORY_MONTHS = 6  # full months before the current one

# Staff the history needs besides the core demo logins: someone to appraise and to sign at the Ba Đình ward and
# at the two departments, and a one-stop officer at the city's service centre, which receives for them.
# (username, full name, unit, role, job position, phone)
HISTORY_STAFF = [
    ("chuyenvien.badinh", "Đặng Thị Thu Hà", "00004", "specialist", "Công chức Tư pháp - Hộ tịch", "0916234871"),
    ("lanhdao.badinh", "Bùi Văn Thắng", "00004", "unit_leader", "Phó Chủ tịch Ủy ban nhân dân phường", "0983456127"),
    ("motcua.tthcc", "Trịnh Thị Ngọc Ánh", "01-TTPVHCC", "one_stop_officer", "Công chức tiếp nhận và trả kết quả", "0936781245"),
    ("chuyenvien.sxd", "Lương Minh Tuấn", "01-SXD", "specialist", "Chuyên viên Phòng Quản lý vận tải", "0948127356"),
    ("lanhdao.sxd", "Phan Quang Vinh", "01-SXD", "unit_leader", "Phó Giám đốc Sở Xây dựng", "0904781236"),
    ("chuyenvien.ca", "Cao Thị Hải Yến", "01-CA", "specialist", "Cán bộ Phòng Quản lý xuất nhập cảnh", "0977312648"),
    ("lanhdao.ca", "Mạc Đình Khải", "01-CA", "unit_leader", "Phó Giám đốc Công an thành phố", "0967243158"),
]
MARKER_USERNAME = "motcua.tthcc"


@dataclass(frozen=True)
class Office:
    """Where dossiers of some procedures are received and decided, who works there and how well it does."""

    name: str
    centre: str  # the receiving unit's code
    handling: str | None  # the deciding unit's code (None: the unit the centre belongs to)
    officer: str
    specialist: str
    leader: str
    procedures: tuple[tuple[str, int], ...]  # (procedure code, weight)
    per_month: int
    slow_share: float  # share of dossiers held up past a step's due time
    online: tuple[float, float]  # share filed online in the first and the last month
    quality: float  # the mean satisfaction score of a dossier handled on time
    joint: tuple[str, ...] = ()  # procedures appraised together with the Department of Justice


WARD_PROCEDURES = (
    ("1.001193", 22), ("1.004873", 14), ("1.000894", 8), ("1.000656", 6), ("1.004194", 10), ("1.004222", 7), ("1.002755", 4),
    ("1.010041", 6), ("1.004859", 4), ("1.004884", 3), ("1.001022", 2), ("1.004837", 2), ("1.010038", 3), ("1.014063", 5),
    ("2.000806", 3), ("2.000528", 2),
)
OFFICES = [
    Office("Hoàn Kiếm", "00070-TTPVHCC", None, "motcua", "chuyenvien", "lanhdao", WARD_PROCEDURES, 24, 0.04, (0.22, 0.64), 4.5,
           joint=("2.000806",)),
    Office("Ba Đình", "00004-TTPVHCC", None, "motcua.badinh", "chuyenvien.badinh", "lanhdao.badinh", WARD_PROCEDURES, 18, 0.20,
           (0.12, 0.42), 3.9, joint=("2.000806",)),
    Office("Sở Xây dựng", "01-TTPVHCC", "01-SXD", "motcua.tthcc", "chuyenvien.sxd", "lanhdao.sxd", (("3.000347", 3), ("3.000348", 1)),
           10, 0.15, (0.25, 0.70), 4.1),
    Office("Công an thành phố", "01-TTPVHCC", "01-CA", "motcua.tthcc", "chuyenvien.ca", "lanhdao.ca", (("1.001456", 1),), 9, 0.02,
           (0.40, 0.85), 4.6),
]
JOINT_UNIT, JOINT_SPECIALIST, JOINT_SHARE = "01-STP", "chuyenvien.stp", Decimal(1)
JOINT_SLOW = 0.10  # the department overruns its share now and then

# Fees and charges (VND): at the counter, and online where the fee is lower for online filing.
FEES = {
    "1.004222": (20_000, 10_000, "Lệ phí đăng ký thường trú"),
    "1.004194": (15_000, 7_000, "Lệ phí đăng ký tạm trú"),
    "1.002755": (15_000, 7_000, "Lệ phí đăng ký tạm trú (gia hạn)"),
    "1.004859": (15_000, 15_000, "Lệ phí thay đổi, cải chính hộ tịch"),
    "2.000806": (1_000_000, 1_000_000, "Lệ phí đăng ký kết hôn có yếu tố nước ngoài"),
    "1.014063": (50_000, 25_000, "Lệ phí cấp đổi thẻ căn cước"),
    "1.001456": (200_000, 200_000, "Lệ phí cấp hộ chiếu phổ thông"),
    "3.000347": (135_000, 115_000, "Lệ phí cấp đổi giấy phép lái xe"),
    "3.000348": (135_000, 115_000, "Lệ phí cấp lại giấy phép lái xe"),
}
RESULT_NAMES = {
    "1.001193": "Giấy khai sinh (bản chính)", "1.004873": "Giấy xác nhận tình trạng hôn nhân", "1.000894": "Giấy chứng nhận kết hôn",
    "1.000656": "Trích lục khai tử", "1.004194": "Thông báo kết quả đăng ký tạm trú", "1.004222": "Thông báo kết quả đăng ký thường trú",
    "1.002755": "Thông báo kết quả gia hạn tạm trú", "1.010041": "Văn bản xác nhận thông tin về cư trú",
    "1.004859": "Trích lục thay đổi, cải chính hộ tịch", "1.004884": "Giấy khai sinh (đăng ký lại)", "1.001022": "Trích lục đăng ký nhận cha, mẹ, con",
    "1.004837": "Trích lục đăng ký giám hộ", "1.010038": "Thông báo kết quả tách hộ", "1.014063": "Thẻ căn cước",
    "2.000806": "Giấy chứng nhận kết hôn có yếu tố nước ngoài", "2.000528": "Giấy khai sinh có yếu tố nước ngoài",
    "3.000347": "Giấy phép lái xe (cấp đổi)", "3.000348": "Giấy phép lái xe (cấp lại)", "1.001456": "Hộ chiếu phổ thông",
    "1.000689": "Giấy khai sinh và trích lục nhận cha, mẹ, con", "1.003197": "Thông báo kết quả xóa đăng ký thường trú",
}
SUMMARIES = {
    "1.001193": "Đăng ký khai sinh cho con: {child}", "1.004873": "Xác nhận tình trạng hôn nhân để đăng ký kết hôn",
    "1.000894": "Đăng ký kết hôn với ông/bà {other}", "1.000656": "Đăng ký khai tử cho ông/bà {other}",
    "1.004194": "Đăng ký tạm trú tại {address}", "1.004222": "Đăng ký thường trú tại {address}", "1.002755": "Gia hạn tạm trú tại {address}",
    "1.010041": "Xác nhận thông tin cư trú để bổ sung hồ sơ vay vốn", "1.004859": "Cải chính ngày sinh trong giấy khai sinh",
    "1.004884": "Đăng ký lại khai sinh do bản chính bị mất", "1.001022": "Đăng ký nhận con: {child}", "1.004837": "Đăng ký giám hộ cho cháu {child}",
    "1.010038": "Tách hộ tại {address}", "1.014063": "Cấp đổi thẻ căn cước do thay đổi thông tin", "2.000806": "Đăng ký kết hôn với công dân nước ngoài",
    "2.000528": "Đăng ký khai sinh cho con có cha là người nước ngoài", "3.000347": "Đổi giấy phép lái xe hạng B do hết hạn",
    "3.000348": "Cấp lại giấy phép lái xe hạng A1 bị mất", "1.001456": "Cấp hộ chiếu phổ thông lần đầu",
}
SUPPLEMENT_ITEMS = [
    ["Bản sao giấy tờ chứng minh nơi cư trú còn thời hạn"], ["Giấy chứng sinh (bản chính)"],
    ["Văn bản ủy quyền có chứng thực", "Bản chụp giấy tờ tùy thân của người được ủy quyền"], ["Ảnh chân dung 4x6 nền trắng, chụp trong 6 tháng"],
    ["Giấy khám sức khỏe của người lái xe do cơ sở y tế có thẩm quyền cấp"], ["Tờ khai có đủ chữ ký của cả hai bên"],
]
WITHDRAW_REASONS = ["Công dân xin rút hồ sơ để nộp lại sau khi bổ sung giấy tờ.", "Người nộp đề nghị rút hồ sơ do thay đổi nhu cầu."]
REFUSE_REASONS = [
    "Hồ sơ không đủ điều kiện giải quyết: giấy tờ chứng minh chỗ ở hợp pháp không phù hợp với thực tế kiểm tra.",
    "Không đủ căn cứ xác minh thông tin hộ tịch theo quy định; đề nghị công dân liên hệ nơi đăng ký trước đây.",
]
STOP_REASON = "Người nộp không bổ sung hồ sơ trong thời hạn đã hẹn; dừng xử lý theo quy định."
APOLOGY_REASONS = [
    "Cần xác minh thêm thông tin với cơ quan liên quan nên chưa kịp trả kết quả đúng hẹn.",
    "Số lượng hồ sơ tăng đột biến, cán bộ thẩm định nghỉ ốm; đơn vị xin lỗi và hẹn lại ngày trả kết quả.",
]

FAMILY = ["Nguyễn"] * 30 + ["Trần"] * 11 + ["Lê"] * 9 + ["Phạm"] * 7 + ["Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
                                                                         "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đào", "Mai", "Tạ", "Lương"] * 2
MIDDLE_M = ["Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Xuân", "Tuấn", "Ngọc", "Hoàng", "Trọng"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Hồng", "Thùy", "Mai", "Bảo"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Long", "Mạnh", "Nam", "Phong",
           "Phúc", "Quân", "Sơn", "Tâm", "Thắng", "Trung", "Tú", "Việt", "Vinh"]
GIVEN_F = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa", "Huyền", "Lan", "Linh", "Loan", "Mai", "Ngân", "Nhung",
           "Oanh", "Phương", "Quỳnh", "Thảo", "Trang", "Uyên", "Vân", "Yến"]
STREETS = {
    "00070": ["Hàng Bạc", "Hàng Gai", "Hàng Đào", "Lý Thái Tổ", "Tràng Tiền", "Hàng Bài", "Đinh Tiên Hoàng", "Hàng Bông", "Lò Sũ", "Hàng Buồm"],
    "00004": ["Phan Đình Phùng", "Quán Thánh", "Hoàng Hoa Thám", "Đội Cấn", "Liễu Giai", "Kim Mã", "Nguyễn Thái Học", "Điện Biên Phủ"],
    "01": ["Láng Hạ", "Giải Phóng", "Nguyễn Trãi", "Cầu Giấy", "Tây Sơn", "Minh Khai", "Lạc Long Quân", "Nguyễn Văn Cừ", "Trần Duy Hưng"],
}
WARDS = {"00070": "phường Hoàn Kiếm", "00004": "phường Ba Đình", "01": "thành phố Hà Nội"}
MOBILE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "032", "033", "034", "035", "036", "037", "038",
                   "039", "070", "076", "077", "078", "079", "081", "082", "083", "084", "085"]
GOOD_COMMENTS = [
    "Cán bộ hướng dẫn tận tình, trả kết quả sớm hơn hẹn.", "Thủ tục nhanh gọn, không phải đi lại nhiều.", "Nộp trực tuyến rất tiện, cảm ơn phường.",
    "Thái độ phục vụ lịch sự, chu đáo.", "Được nhắn tin báo kết quả kịp thời.",
]
BAD_COMMENTS = [
    "Trả kết quả chậm so với giấy hẹn, phải đi lại nhiều lần.", "Yêu cầu bổ sung giấy tờ hai lần, lần đầu không nói rõ.",
    "Chờ lâu ở quầy, ít quầy làm việc.", "Không được báo trước khi hồ sơ bị chậm.",
]


# ------------------------------------------------------------------------------------------------ people


class People:
    """Applicants: Vietnamese names, 12-digit personal IDs born in Hà Nội (code 001), mobile numbers."""

    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        self.serials: set[str] = set()

    def name(self, female: bool | None = None) -> tuple[str, bool]:
        rng = self.rng
        female = rng.random() < 0.52 if female is None else female
        middle, given = (MIDDLE_F, GIVEN_F) if female else (MIDDLE_M, GIVEN_M)
        return f"{rng.choice(FAMILY)} {rng.choice(middle)} {rng.choice(given)}", female

    def personal_id(self, female: bool) -> str:
        rng = self.rng
        year = self.today.year - rng.randint(19, 74)
        century = (year - 1900) // 100 * 2 + (1 if female else 0)
        while True:
            serial = f"{rng.randrange(10**6):06d}"
            number = f"001{century}{year % 100:02d}{serial}"
            if number not in self.serials:
                self.serials.add(number)
                return number

    def phone(self) -> str:
        from django.core.exceptions import ValidationError

        from congvu.units.phones import normalise_phone

        while True:  # not every block of every prefix is allocated: keep the numbers phonenumbers knows
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**7):07d}"
            try:
                normalise_phone(number)
            except ValidationError:
                continue
            return number

    def address(self, area: str) -> str:
        return f"{self.rng.randint(1, 180)} {self.rng.choice(STREETS[area])}, {WARDS[area]}"

    def applicant(self, area: str, online: bool) -> dict:
        name, female = self.name()
        data = {"full_name": name, "personal_id": self.personal_id(female), "address": self.address(area)}
        # Online filings need a contact (the portal asks for one); at the counter most people leave a number.
        if online or self.rng.random() < 0.6:
            data["phone"] = self.phone()
        if online and self.rng.random() < 0.4:
            data["email"] = f"{data['personal_id']}@lichsu.demo.congvu.invalid"
        return data


# ------------------------------------------------------------------------------------------------ time


class Clock:
    """Office-time arithmetic on one unit's working calendar."""

    def __init__(self, calendar, rng: random.Random):
        self.cal = calendar
        self.rng = rng

    def after(self, start: dt.datetime, minutes: float) -> dt.datetime:
        return self.cal.add_working_hours(start, dt.timedelta(minutes=max(1, round(minutes))))

    def within(self, start: dt.datetime, due: dt.datetime, *, skew: float = 2.5) -> dt.datetime:
        """A working instant between `start` and `due`, more often early than late; just after `start` when
        there is no office time left before `due`."""
        room = self.cal.working_time_between(start, due).total_seconds() / 60
        if room <= 20:
            return self.after(start, self.rng.uniform(5, 40))
        return self.after(start, self.rng.betavariate(1.2, skew) * (room - 5) + 5)

    def next(self, instant: dt.datetime) -> dt.datetime:
        return self.cal.next_working_instant(instant)

    def past(self, due: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
        return self.after(due, self.rng.uniform(low_hours, high_hours) * 60)

    def working_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        days, day = [], first
        while day <= last:
            if self.cal.is_working_day(day):
                days.append(day)
            day += dt.timedelta(days=1)
        return days

    def instant_on(self, day: dt.date) -> dt.datetime:
        """A time in the office hours of `day`, mornings busier than afternoons."""
        intervals = self.cal.working_hours_on(day)
        start, end = intervals[0] if (len(intervals) == 1 or self.rng.random() < 0.6) else intervals[-1]
        seconds = (end - start).total_seconds()
        return start + dt.timedelta(seconds=int(self.rng.uniform(0.02, 0.95) * seconds))


def month_starts(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the `count` months before today's month and of today's month, oldest first."""
    first = today.replace(day=1)
    out = [first]
    for _ in range(count):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first)
    return list(reversed(out))


# ------------------------------------------------------------------------------------------------ loading


@dataclass
class Tally:
    dossiers: int = 0
    late: int = 0
    finished: int = 0
    open_overdue: int = 0
    ratings: int = 0
    dislikes: int = 0
    feedback: int = 0
    returned: list = field(default_factory=list)


class Stop(Exception):
    """The next step would fall after now: the dossier stays where it is today."""


def history_is_loaded() -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=MARKER_USERNAME).exists()


def load(stdout: TextIO = sys.stdout) -> Tally | None:
    """Build the demo history once (in one transaction), then bring the indicator rollups up to date."""
    from congvu.units.models import Unit

    if history_is_loaded():
        print("Lịch sử hồ sơ demo đã có sẵn.", file=stdout, flush=True)
        _refresh_indices(stdout)
        return None
    if not Unit.objects.filter(code__in={o.centre for o in OFFICES}).exists():
        return None
    from congvu.notify.models import OutboxMessage

    started = time.monotonic()
    with transaction.atomic():
        last_message = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        builder = _History(stdout)
        tally = builder.run()
        # These months are the past: their SMS and e-mails went out back then. Left in the outbox, the demo's
        # worker would "send" a thousand stale messages on its first start and bury today's in the mailbox.
        OutboxMessage.objects.filter(pk__gt=last_message).delete()
    print(
        f"  Lịch sử: {tally.dossiers} hồ sơ ({tally.finished} đã giải quyết, {tally.late} trễ hạn, {tally.open_overdue} đang quá hạn), "
        f"{tally.ratings} đánh giá ({tally.dislikes} không hài lòng), {tally.feedback} phản ánh, kiến nghị "
        f"— {time.monotonic() - started:.0f} giây.", file=stdout, flush=True,
    )
    _refresh_indices(stdout)
    return tally


def _refresh_indices(stdout: TextIO) -> None:
    """Fill the rollup tables the dashboards read, so they have numbers before the worker first runs."""
    from congvu.indices import services

    print("Tổng hợp chỉ số phục vụ người dân, doanh nghiệp…", file=stdout, flush=True)
    services.refresh()


class _History:
    def __init__(self, stdout: TextIO):
        from django.contrib.auth import get_user_model

        from congvu.catalog import selectors as catalog
        from congvu.units.models import Unit
        from congvu.workcal.services import calendar_for

        self.stdout = stdout
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.people = People(self.rng, self.today)
        self.tally = Tally()
        self._add_staff()
        self.users = {u.username: u for u in get_user_model().objects.filter(username__in=self._usernames())}
        codes = {o.centre for o in OFFICES} | {o.handling for o in OFFICES if o.handling} | {JOINT_UNIT}
        self.units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        self.clocks = {code: Clock(calendar_for(unit), self.rng) for code, unit in self.units.items()}
        self.versions = {}
        for office in OFFICES:
            for code, _weight in office.procedures:
                if code not in self.versions:
                    procedure = catalog.procedure_by_code(code)
                    version = catalog.version_in_force(procedure) if procedure else None
                    if version is not None and version.is_complete:
                        self.versions[code] = version
        self.submit_docs = {code: [d.pk for d in v.documents.all() if d.group == "submit"] for code, v in self.versions.items()}

    @staticmethod
    def _usernames() -> set[str]:
        names = {JOINT_SPECIALIST}
        for o in OFFICES:
            names |= {o.officer, o.specialist, o.leader}
        return names

    def _add_staff(self) -> None:
        from congvu.core.demo import DEMO_PASSWORD
        from congvu.units import services as units
        from congvu.units.models import Unit

        for username, full_name, unit_code, role, position, phone in HISTORY_STAFF:
            unit = Unit.objects.filter(code=unit_code).first()
            if unit is not None:
                units.create_staff_member(username, full_name, unit, role, password=DEMO_PASSWORD, email=f"{username}@demo.congvu.invalid",
                                          phone=phone, job_position=position)

    # -------------------------------------------------------------------------------------------- plan

    def run(self) -> Tally:
        plan = self._plan()
        print(f"Tạo lịch sử hồ sơ {HISTORY_MONTHS + 1} tháng gần đây ({len(plan)} hồ sơ) qua các nghiệp vụ một cửa…",
              file=self.stdout, flush=True)
        step = max(1, len(plan) // 10)
        self.stalls_left = 5
        for i, (received, office, code, online, month_share) in enumerate(plan, start=1):
            self._dossier(received, office, code, online, month_share)
            if i % step == 0 or i == len(plan):
                print(f"  hồ sơ: {i}/{len(plan)} ({i * 100 // len(plan)}%)", file=self.stdout, flush=True)
        self._ratings()
        self._feedback()
        return self.tally

    def _plan(self) -> list[tuple]:
        """(received at, office, procedure code, online?, how far through the history) for every dossier, in time order."""
        rng = self.rng
        starts = month_starts(self.today, HISTORY_MONTHS)
        plan = []
        for office in OFFICES:
            if office.centre not in self.units or (office.handling and office.handling not in self.units):
                continue
            procedures = [(c, w) for c, w in office.procedures if c in self.versions]
            if not procedures:
                continue
            clock = self.clocks[office.centre]
            for index, first in enumerate(starts):
                last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
                last = min(last, self.today)
                days = clock.working_days(first, last)
                if not days:
                    continue
                month_days = len(clock.working_days(first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)))
                count = round(office.per_month * (1 + 0.04 * index) * len(days) / max(month_days, 1))
                progress = index / max(len(starts) - 1, 1)
                share_online = office.online[0] + (office.online[1] - office.online[0]) * progress
                # As many online as the month's share says, picked at random: the share grows month by month.
                filed_online = set(rng.sample(range(count), round(count * share_online)))
                for n in range(count):
                    at = clock.instant_on(rng.choice(days))
                    if at >= self.now - dt.timedelta(minutes=30):
                        continue
                    online = n in filed_online
                    code = rng.choices([c for c, _w in procedures], weights=[w for _c, w in procedures])[0]
                    plan.append((at, office, code, online, progress))
        plan.sort(key=lambda item: (item[0], item[1].name, item[2]))
        return plan

    # -------------------------------------------------------------------------------------------- one dossier

    def _user(self, username):
        return self.users[username]

    def _act(self, dossier, action: str, username: str, at: dt.datetime, **params):
        from congvu.dossiers.services import perform_action

        if at > self.now:
            raise Stop()
        return perform_action(dossier, action, actor=self._user(username), at=at, **params)

    def _dossier(self, received: dt.datetime, office: Office, code: str, online: bool, progress: float) -> None:
        from congvu.dossiers import services

        rng = self.rng
        version = self.versions[code]
        centre = self.units[office.centre]
        handling = self.units[office.handling] if office.handling else None
        counter = self.clocks[office.centre]
        area = office.centre.split("-")[0]
        applicant = self.people.applicant(area, online)
        other, _female = self.people.name()
        child, _female = self.people.name()
        summary = SUMMARIES.get(code, "").format(child=child, other=other, address=applicant["address"])
        officer = office.officer
        try:
            if online:
                # Filed whenever the citizen likes; accepted by the counter within office hours.
                filed = received - dt.timedelta(minutes=rng.randint(10, 60 * 14))
                dossier = services.submit_online(centre, version, applicant, summary=summary, handling_unit=handling, at=filed)
                self.tally.dossiers += 1
                if rng.random() < 0.02:
                    self._act(dossier, "not_accept", officer, received,
                              reasons="Tệp đính kèm không đọc được và thiếu tờ khai có chữ ký; đề nghị nộp lại hồ sơ.")
                    return
                dossier = self._act(dossier, "receive", officer, received)
            else:
                dossier = services.receive_dossier(self._user(officer), centre, version, applicant, checked_document_ids=self.submit_docs[code],
                                                   summary=summary, handling_unit=handling, at=received)
                self.tally.dossiers += 1
            self._process(dossier, office, code, online, progress, counter)
        except Stop:
            pass

    def _step(self, dossier):
        """The active step (the dossier row caches which one it is)."""
        from congvu.dossiers.models import DossierStep

        return DossierStep.objects.get(pk=dossier.current_step_id)

    def _process(self, dossier, office: Office, code: str, online: bool, progress: float, counter: Clock) -> None:
        rng = self.rng
        handling_code = office.handling or dossier.handling_unit.code
        if handling_code not in self.clocks:
            self.clocks[handling_code] = Clock(self._calendar(dossier.handling_unit), rng)
        desk = self.clocks[handling_code]
        slow = rng.random() < office.slow_share
        slow_at = rng.choices(["specialist", "leader", "joint"], weights=[7, 2, 1 if code in office.joint else 0])[0] if slow else ""
        joint = code in office.joint and rng.random() < 0.7
        fate = rng.choices(["normal", "withdraw", "refuse", "stop"], weights=[95, 2, 2, 1])[0]
        supplements = rng.choices([0, 1, 2], weights=[88, 10.5, 1.5])[0]
        recent = (self.now - dossier.received_at) < dt.timedelta(days=21)
        stall = recent and self.stalls_left > 0 and office.name != "Công an thành phố" and dossier.due_at < self.now and rng.random() < 0.15

        # 1. The counter starts processing and passes the dossier to the appraising specialist.
        at = counter.after(dossier.received_at, rng.uniform(3, 40))
        dossier = self._act(dossier, "start_processing", office.officer, at)
        step = self._step(dossier)
        at = counter.within(at, step.due_at, skew=4)
        dossier = self._act(dossier, "forward", office.officer, at)
        # 2. Appraisal.
        step = self._step(dossier)
        at = desk.after(at, rng.uniform(10, 120))
        dossier = self._act(dossier, "accept_step", office.specialist, at)
        if stall:
            # Nobody takes it further: it sits at the specialist's desk past its appointment today.
            self.stalls_left -= 1
            self.tally.open_overdue += 1
            return
        apology = slow and rng.random() < 0.5
        if apology:
            at = self._apologise(dossier, office, at, desk)
        for number in range(supplements):
            at = desk.within(at, max(self._step(dossier).due_at, desk.after(at, 60)), skew=3)
            dossier = self._act(dossier, "request_supplement", office.specialist, at, items=rng.choice(SUPPLEMENT_ITEMS),
                                reason="Hồ sơ cần bổ sung để đủ căn cứ giải quyết." if number == 0 else "Bổ sung thêm theo kết quả xác minh.")
            if fate == "stop" or (number == 0 and rng.random() < 0.12):
                # The applicant never brings the missing papers: the leader stops the dossier weeks later.
                at = desk.past(at, 8 * 15, 8 * 25)
                self._act(dossier, "stop", office.leader, at, reason=STOP_REASON)
                self._finished(dossier)
                return
            at = counter.after(at, rng.uniform(8 * 60, 8 * 60 * 5))
            dossier = self._act(dossier, "receive_supplement", office.officer, at, note="Người nộp đã bổ sung đủ giấy tờ theo phiếu yêu cầu.")
        if fate == "withdraw":
            at = counter.after(at, rng.uniform(30, 8 * 60 * 2))
            self._act(dossier, "withdraw", office.officer, at, reason=rng.choice(WITHDRAW_REASONS))
            return
        if fate == "stop":
            at = desk.after(at, rng.uniform(60, 8 * 60))
            self._act(dossier, "stop", office.leader, at, reason="Người nộp đề nghị dừng giải quyết do đã được giải quyết tại nơi khác.")
            self._finished(dossier)
            return
        fee = FEES.get(code)
        if fee:
            step = self._step(dossier)
            at = desk.within(at, max(step.due_at, desk.after(at, 30)), skew=4)
            amount = fee[1] if online else fee[0]
            dossier = self._act(dossier, "request_payment", office.specialist, at, amount_vnd=amount, description=fee[2])
            paid_online = online and rng.random() < 0.35 + 0.5 * progress
            at = counter.after(at, rng.uniform(10, 60) if paid_online else rng.uniform(60, 8 * 60 * 2))
            reference = f"PAY{rng.randrange(10**9):09d}" if paid_online else f"BL-{rng.randrange(10**6):06d}"
            dossier = self._act(dossier, "confirm_payment", office.officer, at, receipt_reference=reference, paid_online=paid_online)
        step = self._step(dossier)
        at = max(desk.past(step.due_at, 2, 8 * 3), desk.after(at, 30)) if slow_at == "specialist" else desk.within(at, step.due_at)
        if joint:
            dossier = self._act(dossier, "forward", office.specialist, at, to_unit=self.units[JOINT_UNIT], share=JOINT_SHARE,
                                note="Đề nghị Sở Tư pháp cho ý kiến về giấy tờ của người nước ngoài.")
            step = self._step(dossier)
            justice = self.clocks[JOINT_UNIT]
            late_joint = slow_at == "joint" or rng.random() < JOINT_SLOW
            at = max(justice.past(step.due_at, 2, 8 * 2), justice.after(at, 30)) if late_joint else justice.within(at, step.due_at)
            dossier = self._act(dossier, "forward", JOINT_SPECIALIST, at, note="Sở Tư pháp thống nhất, đề nghị phường giải quyết.")
        else:
            dossier = self._act(dossier, "forward", office.specialist, at)
        # 3. The leader signs, or refuses.
        step = self._step(dossier)
        at = max(desk.past(step.due_at, 1, 8 * 2), desk.after(at, 20)) if slow_at == "leader" else desk.within(at, step.due_at, skew=4)
        if fate == "refuse":
            self._act(dossier, "refuse", office.leader, at, reason=rng.choice(REFUSE_REASONS))
            self._finished(dossier)
            return
        dossier = self._act(dossier, "forward", office.leader, at)
        # 4. The counter records the result and returns it.
        step = self._step(dossier)
        at = counter.within(at, step.due_at, skew=5)
        electronic = rng.random() < (0.25 + 0.5 * progress if online else 0.05)
        results = [self._result(dossier, code, electronic)]
        dossier = self._act(dossier, "record_result", office.officer, at, results=results)
        self._finished(dossier)
        if electronic:
            at = counter.after(at, rng.uniform(2, 30))
            dossier = self._act(dossier, "return_result", office.officer, at, method="electronic")
        else:
            at = counter.after(at, rng.uniform(30, 8 * 60 * 3))
            by_post = rng.random() < 0.06
            dossier = self._act(dossier, "return_result", office.officer, at, method="post" if by_post else "counter",
                                returned_to=dossier.applicant.full_name, postal_tracking=f"EP{rng.randrange(10**8):08d}VN" if by_post else "")
        self.tally.returned.append((dossier, office, at, apology))

    def _apologise(self, dossier, office: Office, at: dt.datetime, desk: Clock) -> dt.datetime:
        """The specialist sees the dossier will be late: the unit apologises and sets a new date, at least one
        working day before the appointment (Decree 61 art. 19). Not possible any more: nothing is done."""
        from congvu.dossiers.services.deadlines import previous_working_day_close

        latest = previous_working_day_close(desk.cal, dossier.due_at)
        if at >= latest:
            return at
        when = desk.within(at, latest)
        when = min(when, latest)
        new_due = desk.cal.add_working_days(dossier.due_at, self.rng.randint(2, 4))
        who = office.leader if self.rng.random() < 0.5 else office.officer
        self._act(dossier, "issue_apology", who, when, reason=self.rng.choice(APOLOGY_REASONS), new_due_at=new_due)
        return when

    def _result(self, dossier, code: str, electronic: bool) -> dict:
        name = RESULT_NAMES.get(code, "Kết quả giải quyết thủ tục hành chính")
        if not electronic:
            return {"name": name}
        from congvu.documents.services import store_generated
        from congvu.portal.demo import demo_pdf

        file = store_generated(demo_pdf(f"Ket qua dien tu - ho so {dossier.code}"), f"ket-qua-{dossier.code}.pdf")
        return {"name": name, "file": file.pk, "electronic": True}

    def _finished(self, dossier) -> None:
        self.tally.finished += 1
        if dossier.timeliness == "late":
            self.tally.late += 1

    # -------------------------------------------------------------------------------------------- ratings

    def _ratings(self) -> None:
        """About a third of the applicants who got their result rate it through their rating link."""
        from congvu.dossiers.models import Dossier
        from congvu.feedback import services
        from congvu.feedback.links import dossier_code_from_rating_token, rating_token
        from congvu.feedback.scoring import Factor, Perception

        rng = self.rng
        for dossier, office, returned_at, apology in self.tally.returned:
            if rng.random() >= 0.36:
                continue
            at = returned_at + dt.timedelta(minutes=rng.randint(20, 60 * 48))
            if at > self.now:
                continue
            code = dossier_code_from_rating_token(rating_token(dossier))  # what the rating page does with the link
            rated = Dossier.objects.select_related("procedure_version").get(code=code)
            late = rated.timeliness == "late"
            mean = office.quality - (1.5 if late else 0) - (0.6 if rated.supplement_count else 0)
            scores = {f: max(1, min(5, round(rng.gauss(mean, 0.75)))) for f in (Factor.ACCESS, Factor.PROCEDURE, Factor.OFFICER, Factor.RESULT)}
            scores[Factor.FEEDBACK] = max(1, min(5, round(rng.gauss(mean, 0.9)))) if rng.random() < 0.25 else None
            perceptions = {
                Perception.TRIPS: min(2, rated.supplement_count), Perception.EXTRA_MONEY: 0,
                Perception.APPOINTMENT: {"early": 2, "on_time": 1, "late": 0}[rated.timeliness],
            }
            if late:
                perceptions[Perception.APOLOGY] = 1 if apology else 0
            unhappy = any(s <= 2 for s in scores.values() if s is not None)
            comment = ""
            if rng.random() < 0.4:
                comment = rng.choice(BAD_COMMENTS if unhappy or late else GOOD_COMMENTS)
            rating = services.submit_rating(rated, scores, perceptions, comment, at=at)
            self.tally.ratings += 1
            self.tally.dislikes += rating.dislike

    # -------------------------------------------------------------------------------------------- feedback

    def _feedback(self) -> None:
        from congvu.catalog import selectors as catalog
        from congvu.feedback import services
        from congvu.feedback.services import FeedbackInput

        rng = self.rng
        users = self.users
        for days_ago, unit_code, kind, nature, title, content, procedure, officer, outcome in FEEDBACK:
            unit = self.units.get(unit_code) or self._unit(unit_code)
            if unit is None:
                continue
            name, _female = self.people.name()
            sent = timezone.localtime(self.now) - dt.timedelta(days=days_ago, hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
            data = FeedbackInput(
                subject_kind=kind, unit=unit, nature=nature, title=title, content=content,
                procedure=catalog.procedure_by_code(procedure) if procedure else None,
                officer=users.get(officer) if officer else None,
                sender_name=name if rng.random() < 0.8 else "", sender_phone=self.people.phone() if rng.random() < 0.7 else "",
            )
            item = services.submit_feedback(data, at=sent)
            self.tally.feedback += 1
            leader = self._leader_of(item.responsible_unit)
            handler = self._handler_of(item.responsible_unit)
            if leader is None or handler is None or outcome == "open":
                continue
            clock = self.clocks.get(item.responsible_unit.code) or Clock(self._calendar(item.responsible_unit), rng)
            try:
                if outcome == "refuse":
                    at = clock.after(item.received_at, rng.uniform(60, 8 * 60 * 1.5))
                    self._feedback_step(services.refuse_feedback, item, leader, at, reason=(
                        "Nội dung phản ánh không thuộc thẩm quyền giải quyết của đơn vị; đề nghị gửi đến cơ quan quản lý trực tiếp."))
                    continue
                at = clock.after(item.received_at, rng.uniform(30, 8 * 60))
                item = self._feedback_step(services.accept_feedback, item, handler, at)
                if outcome == "info":
                    at = clock.after(at, rng.uniform(60, 8 * 60 * 2))
                    item = self._feedback_step(services.request_info, item, handler, at,
                                               question="Đề nghị ông/bà cho biết mã hồ sơ và ngày nộp để đơn vị kiểm tra.")
                    at = at + dt.timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 6))
                    item = self._feedback_step(services.provide_info, item, None, at,
                                               reply="Hồ sơ nộp ngày thứ Hai tuần trước, mã hồ sơ ghi trên giấy hẹn tôi đã gửi kèm.")
                    at = clock.next(at)
                if outcome == "late":
                    at = max(clock.past(item.answer_due_at, 8 * 1, 8 * 8), clock.after(at, 30))
                else:
                    at = clock.within(at, item.answer_due_at, skew=3)
                # The complaint about the Ba Đình counter officer was found true (it feeds her monthly evaluation);
                # a compliment is not a complaint, so it records no finding.
                upheld = True if kind == "officer" and officer == "motcua.badinh" else None
                item = self._feedback_step(services.answer_feedback, item, leader, at, answer=ANSWERS[rng.randrange(len(ANSWERS))], upheld=upheld)
                at = clock.within(at, item.publish_due_at, skew=2)
                item = self._feedback_step(services.publish_feedback, item, handler, at,
                                           public_summary=f"Công dân phản ánh, kiến nghị: {title.lower()}.")
                if outcome == "late" or rng.random() < 0.6:
                    at = at + dt.timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 8))
                    verdict = "dissatisfied" if outcome == "late" and rng.random() < 0.7 else "satisfied"
                    self._feedback_step(services.give_verdict, item, None, at, verdict=verdict,
                                        note="Cảm ơn đơn vị đã trả lời." if verdict == "satisfied" else "Trả lời chậm và chưa giải quyết triệt để.")
            except Stop:
                continue

    def _feedback_step(self, service, item, actor, at, **params):
        if at > self.now:
            raise Stop()
        if service.__name__ == "give_verdict":
            return service(item, at=at, **params)
        if service.__name__ == "provide_info":
            return service(item, actor=actor, at=at, **params)
        return service(item, actor, at=at, **params)

    def _unit(self, code):
        from congvu.units.models import Unit

        unit = Unit.objects.filter(code=code).first()
        if unit is not None:
            self.units[code] = unit
        return unit

    def _calendar(self, unit):
        from congvu.workcal.services import calendar_for

        return calendar_for(unit)

    def _leader_of(self, unit):
        from congvu.units.models import StaffProfile

        profile = StaffProfile.objects.select_related("user").filter(unit=unit, role="unit_leader", user__is_active=True).first()
        return profile.user if profile else None

    def _handler_of(self, unit):
        from congvu.units.models import StaffProfile

        profile = (StaffProfile.objects.select_related("user")
                   .filter(unit__path__startswith=unit.path, role__in=("one_stop_officer", "specialist"), user__is_active=True)
                   .order_by("user__username").first())
        return profile.user if profile else None


# (days ago, unit, subject, nature, title, content, procedure, officer, outcome)
FEEDBACK = [
    (178, "00070-TTPVHCC", "unit", "report", "Quầy tiếp nhận đông, thiếu ghế chờ",
     "Buổi sáng thứ Hai có rất nhiều người chờ nhưng khu vực chờ chỉ có vài hàng ghế, người cao tuổi phải đứng lâu.", None, None, "on_time"),
    (165, "00004", "procedure", "recommendation", "Đề nghị giảm giấy tờ khi đăng ký tạm trú",
     "Khi đăng ký tạm trú, tôi phải nộp bản sao hợp đồng thuê nhà dù thông tin đã có trong cơ sở dữ liệu dân cư.", "1.004194", None, "late"),
    (150, "01-TTPVHCC", "unit", "report", "Máy lấy số thứ tự bị hỏng",
     "Máy lấy số ở sảnh tầng 1 bị hỏng cả buổi sáng, người dân phải xếp hàng tự phát, rất lộn xộn.", None, None, "open"),
    (141, "00070", "procedure", "recommendation", "Cho phép nộp bản chụp giấy chứng sinh trực tuyến",
     "Đề nghị phường cho phép nộp bản chụp giấy chứng sinh khi đăng ký khai sinh trực tuyến để đỡ phải đi lại.", "1.001193", None, "on_time"),
    (128, "01-SXD", "procedure", "report", "Đổi giấy phép lái xe quá hẹn",
     "Tôi nộp hồ sơ đổi giấy phép lái xe đã hơn 10 ngày làm việc nhưng vẫn chưa nhận được, gọi điện không ai nghe.", "3.000347", None, "late"),
    (120, "00004-TTPVHCC", "officer", "report", "Cán bộ tiếp nhận thiếu niềm nở",
     "Cán bộ ở quầy số 2 trả lời cộc lốc, không hướng dẫn cụ thể giấy tờ cần bổ sung.", None, "motcua.badinh", "info"),
    (104, "01-CA", "procedure", "recommendation", "Đề nghị trả hộ chiếu qua bưu điện",
     "Đề nghị Công an thành phố mở rộng hình thức trả hộ chiếu qua bưu điện cho người đi làm xa.", "1.001456", None, "on_time"),
    (96, "00070", "unit", "report", "Phản ánh về việc thu phí ngoài quy định",
     "Tôi nghe nói có người ở ngoài cổng nhận làm hồ sơ nhanh có thu tiền, đề nghị phường kiểm tra.", None, None, "on_time"),
    (88, "00004", "unit", "report", "Khiếu nại về tranh chấp đất đai",
     "Gia đình tôi tranh chấp ranh giới đất với nhà hàng xóm từ năm 2019, đề nghị phường giải quyết dứt điểm.", None, None, "refuse"),
    (75, "00070-TTPVHCC", "officer", "report", "Khen cán bộ tiếp nhận hướng dẫn tận tình",
     "Chị Lan ở quầy một cửa hướng dẫn tôi rất kỹ, chỉ một lần là hoàn thiện hồ sơ. Tôi muốn ghi nhận.", None, "motcua", "on_time"),
    (66, "01-SXD", "unit", "recommendation", "Đề nghị nhắn tin khi có kết quả giấy phép lái xe",
     "Đề nghị Sở gửi tin nhắn khi giấy phép lái xe đổi xong để người dân không phải đến hỏi nhiều lần.", None, None, "on_time"),
    (58, "00004", "procedure", "report", "Yêu cầu bổ sung hồ sơ hai lần",
     "Hồ sơ xác nhận tình trạng hôn nhân của tôi bị yêu cầu bổ sung hai lần, lần đầu không nói hết giấy tờ cần thiếu.", "1.004873", None,
     "late"),
    (47, "00070", "procedure", "recommendation", "Niêm yết rõ lệ phí đăng ký thường trú",
     "Đề nghị niêm yết rõ mức lệ phí nộp trực tuyến và nộp trực tiếp khi đăng ký thường trú.", "1.004222", None, "on_time"),
    (39, "01-CA", "unit", "report", "Chờ chụp ảnh làm hộ chiếu quá lâu",
     "Tôi đã đặt lịch hẹn nhưng vẫn phải chờ gần hai tiếng mới được chụp ảnh, lăn tay.", None, None, "info"),
    (31, "01-SXD", "unit", "report", "Không được giải thích lý do từ chối",
     "Tôi muốn hỏi việc phạt vi phạm giao thông của xe tôi, tổng đài hướng dẫn gửi về Sở nhưng không ai giải thích.", None, None,
     "refuse"),
    (24, "00004", "unit", "report", "Trả kết quả chậm không báo trước",
     "Hồ sơ đăng ký thường trú của tôi trễ hẹn 3 ngày mà không nhận được phiếu xin lỗi hay tin nhắn nào.", None, None, "on_time"),
    (16, "00070", "procedure", "recommendation", "Đề nghị tăng quầy buổi sáng thứ Hai",
     "Sáng thứ Hai thường rất đông, đề nghị bố trí thêm một quầy tiếp nhận hồ sơ hộ tịch.", "1.001193", None, "on_time"),
    (11, "00004", "unit", "report", "Điện thoại đường dây nóng không ai nghe",
     "Tôi gọi đường dây nóng của phường nhiều lần trong giờ hành chính nhưng không ai nghe máy.", None, None, "open"),
    (6, "01-CA", "procedure", "recommendation", "Hướng dẫn khai tờ khai hộ chiếu trực tuyến",
     "Đề nghị bổ sung video hướng dẫn điền tờ khai đề nghị cấp hộ chiếu trên cổng dịch vụ công.", "1.001456", None, "on_time"),
    (2, "00070-TTPVHCC", "unit", "report", "Wifi khu vực chờ không truy cập được",
     "Mạng wifi miễn phí tại khu vực chờ không truy cập được nên không tra cứu được hồ sơ trực tuyến.", None, None, "open"),
]
ANSWERS = [
    "Đơn vị đã tiếp thu, kiểm tra và chấn chỉnh. Cảm ơn ông/bà đã phản ánh, kiến nghị.",
    "Qua kiểm tra, nội dung phản ánh là đúng. Đơn vị đã nhắc nhở cán bộ liên quan và bổ sung hướng dẫn niêm yết tại quầy.",
    "Đơn vị ghi nhận kiến nghị và sẽ triển khai từ tháng tới; thông tin chi tiết được đăng trên cổng dịch vụ công.",
    "Đơn vị đã làm việc với bộ phận liên quan; hồ sơ của ông/bà đã được giải quyết và trả kết quả.",
]
