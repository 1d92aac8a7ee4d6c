"""`congvu manage refresh_catalogue_from_portal [--code X ...]`: look procedures up on the national portal and
store what differs from the catalogue for an administrator to accept or dismiss."""

from django.core.management.base import BaseCommand, CommandError

from congvu.catalog import national_refresh


class Command(BaseCommand):
    help = (
        "Tra cứu thủ tục trên Cổng DVCQG qua bộ điều hợp của tỉnh (LayDanhSachTTHC, LayThuTuc) và ghi lại các điểm "
        "khác với danh mục để cán bộ quản trị danh mục chấp nhận hoặc bỏ qua. Không sửa danh mục."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--code", action="append", dest="codes", metavar="MÃ",
            help="chỉ tra cứu thủ tục này (lặp lại để tra nhiều thủ tục); mặc định mọi thủ tục Cổng DVCQG liệt kê",
        )

    def handle(self, *args, codes=None, **options):
        def progress(done: int, total: int, code: str) -> None:
            self.stdout.write(f"[{done}/{total}] {code}")

        try:
            report = national_refresh.refresh(codes or None, progress=progress)
        except national_refresh.NotConfigured as exc:
            raise CommandError(exc.message) from None
        out = self.stdout.write
        out(
            f"Đã đối chiếu {report.checked} thủ tục: {report.created} khác biệt mới, {report.updated} khác biệt cập nhật, "
            f"{report.unchanged} khác biệt vẫn còn, {report.resolved} khác biệt không còn, "
            f"{report.dismissed_before} khác biệt đã bỏ qua trước đây."
        )
        if report.not_in_catalogue:
            out(f"Không có trong danh mục đang hiệu lực ({len(report.not_in_catalogue)}): {', '.join(report.not_in_catalogue[:50])}")
        if report.not_on_portal:
            out(f"Cổng DVCQG không có ({len(report.not_on_portal)}): {', '.join(report.not_on_portal)}")
        for code, message in report.failed:
            self.stderr.write(f"Lỗi khi tra cứu {code}: {message}")
        if report.aborted:
            raise CommandError(f"Dừng tra cứu: {report.aborted}")
