"""`congvu manage export_catalog [--format json|csv] [-o FILE]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congvu.catalog import services


class Command(BaseCommand):
    help = (
        "Xuất toàn bộ danh mục thủ tục (mọi phiên bản, lệ phí, giấy tờ, quy trình) ra JSON của congvu hoặc CSV "
        "(mỗi dòng một phiên bản; cột mô tả trong `import_catalog --help`). Nhập lại tệp xuất ra cho cùng danh mục."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("json", "csv"), default="json", help="định dạng (mặc định json)")
        parser.add_argument("-o", "--output", help="tệp ghi ra; mặc định in ra đầu ra chuẩn")

    def handle(self, *args, **options):
        text = services.export_catalog(options["format"])
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        target = Path(options["output"])
        if not target.parent.is_dir():
            raise CommandError(f"Thư mục {target.parent} không tồn tại.")
        # utf-8-sig for CSV: Excel opens a BOM-marked file as UTF-8 instead of the Windows code page.
        target.write_text(text, encoding="utf-8-sig" if options["format"] == "csv" else "utf-8", newline="")
        self.stderr.write(f"Đã ghi {target} ({len(text.encode('utf-8')):,} byte).".replace(",", "."))
