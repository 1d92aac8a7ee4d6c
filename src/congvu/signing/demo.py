"""Demo certificates for `congvu demo`: a demo CA and one certificate per unit that exists today, so every
receipt and letter the demo prints is signed and can be checked at /xac-thuc-van-ban/."""

import sys
from typing import TextIO

from congvu.signing import services


def load(stdout: TextIO = sys.stdout) -> None:
    from congvu.core.demo import _progress

    print("Tạo CA demo và chứng thư số cho các đơn vị…", file=stdout, flush=True)
    report = services.issue_demo_certificates(progress=_progress("chứng thư số", stdout))
    print(f"  Đã cấp {report.issued} chứng thư số (đã có sẵn: {report.kept}); CA: {report.authority.name}", file=stdout, flush=True)
