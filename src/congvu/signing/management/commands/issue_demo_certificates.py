from django.core.management.base import BaseCommand, CommandError

from congvu.core.demo import _progress
from congvu.signing import services
from congvu.units.models import Unit


class Command(BaseCommand):
    help = ("Tạo CA demo (nếu chưa có) và cấp chứng thư số demo cho các đơn vị chưa có chứng thư còn hiệu lực. "
            "Chỉ dùng để chạy thử: văn bản thật phải ký bằng chứng thư của tổ chức cung cấp dịch vụ chứng thực được cấp phép.")

    def add_arguments(self, parser):
        parser.add_argument("--unit", action="append", dest="units", metavar="CODE",
                            help="Chỉ cấp cho đơn vị có mã này (có thể lặp lại); mặc định: mọi đơn vị đang tồn tại.")

    def handle(self, *args, units=None, **options):
        chosen = None
        if units:
            found = {u.code: u for u in Unit.objects.filter(code__in=units)}
            missing = [code for code in units if code not in found]
            if missing:
                raise CommandError(f"Không có đơn vị mã: {', '.join(missing)}")
            chosen = [found[code] for code in units]
        self.stdout.ending = ""  # the progress lines end themselves
        report = services.issue_demo_certificates(chosen, progress=_progress("chứng thư số", self.stdout))
        self.stdout.write(f"Đã cấp {report.issued} chứng thư số; {report.kept} đơn vị đã có chứng thư còn hiệu lực.\n")
        self.stdout.write(f"CA: {report.authority.name} (SHA-256 {report.authority.fingerprint})\n")
