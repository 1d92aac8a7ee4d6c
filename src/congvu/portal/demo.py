"""Demo data of the citizen portal, loaded by `congvu demo` after units, catalogue and staff: three dossiers
filed online at the demo wards' service centres through the same service the filing page calls, one of them
already received by the ward's one-stop officer, so a reviewer finds filings waiting on the staff pages and
can follow them on the public lookup page."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from django.db import transaction

DEMO_EMAIL_DOMAIN = "demo.congvu.invalid"


@dataclass(frozen=True)
class DemoFiling:
    procedure: str
    unit: str
    full_name: str
    personal_id: str
    phone: str
    address: str
    summary: str
    accept_as: str = ""  # username of the officer who receives it, or "" to leave it waiting


DEMO_FILINGS = [
    DemoFiling("1.001193", "00070-TTPVHCC", "Nguyễn Thị Thu Trang", "001195012345", "0912 000 111", "15 Hàng Bạc, phường Hoàn Kiếm",
               "Đăng ký khai sinh cho con: Lê Minh Khang, sinh ngày 02/11/2026"),
    DemoFiling("1.004873", "00070-TTPVHCC", "Trần Văn Nam", "001088004321", "0983 222 333", "8 Tràng Tiền, phường Hoàn Kiếm",
               "Xác nhận tình trạng hôn nhân để đăng ký kết hôn", accept_as="motcua"),
    DemoFiling("1.001022", "00004-TTPVHCC", "Phạm Thị Lan", "001192007788", "0904 555 666", "21 Phan Đình Phùng, phường Ba Đình",
               "Đăng ký nhận cha cho con"),
]


def demo_pdf(title: str) -> bytes:
    """A one-page PDF standing in for a scanned document (ASCII text: the standard fonts have no Vietnamese)."""
    text = title.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def load(stdout: TextIO = sys.stdout) -> list:
    """File the demo dossiers (once); returns them."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from congvu.catalog import selectors as catalog_selectors
    from congvu.dossiers.letters import lookup_url
    from congvu.dossiers.models import Dossier
    from congvu.dossiers.services import accept_online
    from congvu.portal import selectors, services

    if Dossier.objects.filter(applicant__email__endswith="@" + DEMO_EMAIL_DOMAIN).exists():
        print("Hồ sơ nộp trực tuyến demo đã có sẵn.", file=stdout)
        return []
    online = catalog_selectors.online_filing_versions()
    print(f"Cổng dịch vụ công: {online.count()} thủ tục nộp được trực tuyến.", file=stdout, flush=True)
    users = {u.username: u for u in get_user_model().objects.filter(username__in={f.accept_as for f in DEMO_FILINGS if f.accept_as})}
    filed = []
    for item in DEMO_FILINGS:
        version = catalog_selectors.version_in_force(catalog_selectors.procedure_by_code(item.procedure))
        units = {u.code: u for u in selectors.receiving_units(version)} if catalog_selectors.accepts_online_filing(version) else {}
        if item.unit not in units:
            print(f"  Bỏ qua {item.procedure}: chưa nộp trực tuyến được tại {item.unit}.", file=stdout)
            continue
        documents = list(version.documents.filter(group="submit").order_by("position", "id"))[:2]
        files = [(d, SimpleUploadedFile(f"giay-to-{i}.pdf", demo_pdf(f"Ban scan minh hoa {i} - demo congvu"), "application/pdf"))
                 for i, d in enumerate(documents, start=1)]
        applicant = {
            "full_name": item.full_name, "personal_id": item.personal_id, "phone": item.phone, "address": item.address,
            "email": f"{item.personal_id}@{DEMO_EMAIL_DOMAIN}",
        }
        with transaction.atomic():
            dossier = services.file_online(units[item.unit], version, applicant, summary=item.summary, files=files)
            if item.accept_as in users:
                dossier = accept_online(dossier, users[item.accept_as])
        filed.append(dossier)
        digits = item.phone.replace(" ", "")[-4:]
        print(f"  Hồ sơ {dossier.code} ({version.name}) tại {units[item.unit].name}: tra cứu bằng mã và 4 số cuối {digits}, "
              f"hoặc {lookup_url(dossier)}", file=stdout, flush=True)
    return filed
