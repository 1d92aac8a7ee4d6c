"""Demo queue for `congvu demo`: service groups and counters at the two demo service centres, the demo one-stop
officers on duty at counter 1, and a few tickets of today so that the kiosk and the board show something."""

from typing import TextIO

from django.db import transaction

from congvu.catalog.models import Field, Procedure
from congvu.units.models import Unit

# (letter, name, catalogue fields, common procedures)
DEMO_GROUPS = [
    ("A", "Tư pháp – Hộ tịch, chứng thực", ["Hộ tịch", "Chứng thực", "Nuôi con nuôi", "Lý lịch tư pháp"], ["1.001193", "1.004884"]),
    ("B", "Đất đai – Xây dựng", ["Đất đai", "Hoạt động xây dựng"], []),
    ("C", "Đăng ký kinh doanh", ["Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)", "Thành lập và hoạt động của doanh nghiệp"], []),
    ("D", "Cư trú – Căn cước", ["Đăng ký, quản lý cư trú", "Cấp, quản lý căn cước", "Quản lý xuất nhập cảnh"], []),
    ("E", "Trả kết quả", [], []),
]
# (number, name, letters of the groups it serves)
DEMO_COUNTERS = [
    (1, "Tư pháp – Hộ tịch", "A"),
    (2, "Tư pháp – Cư trú", "AD"),
    (3, "Đất đai – Xây dựng", "B"),
    (4, "Kinh doanh – Đất đai", "CB"),
    (5, "Trả kết quả", "E"),
]
DEMO_CENTRES = {"00070-TTPVHCC": "motcua", "00004-TTPVHCC": "motcua.badinh"}
DEMO_TICKETS = "AAABDAE"


def load(stdout: TextIO) -> None:
    from django.contrib.auth import get_user_model

    from congvu.queueing import services
    from congvu.queueing.models import Counter, ServiceGroup

    User = get_user_model()
    fields = {f.name: f for f in Field.objects.all()}
    procedures = {p.code: p for p in Procedure.objects.all()}
    with transaction.atomic():
        for unit_code, officer_name in DEMO_CENTRES.items():
            unit = Unit.objects.filter(code=unit_code).first()
            if unit is None or ServiceGroup.objects.filter(unit=unit).exists():
                continue
            groups = {}
            for position, (letter, name, field_names, codes) in enumerate(DEMO_GROUPS, start=1):
                group = ServiceGroup.objects.create(unit=unit, prefix=letter, name=name, position=position)
                group.fields.set([fields[n] for n in field_names if n in fields])
                group.procedures.set([procedures[c] for c in codes if c in procedures])
                groups[letter] = group
            counters = {}
            for number, name, letters in DEMO_COUNTERS:
                counter = Counter.objects.create(unit=unit, number=number, name=name)
                counter.groups.set([groups[letter] for letter in letters])
                counters[number] = counter
            officer = User.objects.filter(username=officer_name).first()
            if officer is None:
                continue
            services.take_counter(counters[1], officer)
            for letter in DEMO_TICKETS:
                services.issue_ticket(unit, groups[letter])
            services.call_next(counters[1], officer)
    print(f"  Xếp hàng: {len(DEMO_GROUPS)} nhóm dịch vụ, {len(DEMO_COUNTERS)} quầy tại mỗi trung tâm demo.", file=stdout, flush=True)
