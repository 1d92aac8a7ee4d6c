"""`congvu manage purge_personal_data [--dry-run]`: anonymise or delete the personal data whose retention
period is over (congvu.privacy.purge), printing progress per kind, and record the run."""

import getpass

from django.core.management.base import BaseCommand

from congvu.privacy.models import DataType
from congvu.privacy.purge import purge


class Command(BaseCommand):
    help = "Ẩn danh hoặc xóa dữ liệu cá nhân đã hết thời hạn lưu trữ (giữ nguyên số liệu thống kê)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Chỉ đếm, không thay đổi gì.")

    def handle(self, *args, dry_run=False, **options):
        labels = dict(DataType.choices)
        last = {}

        def progress(kind, done, total):
            if total == 0:
                self.stdout.write(f"{labels.get(kind, kind)}: không có gì hết hạn.")
            elif done == 0:
                self.stdout.write(f"{labels.get(kind, kind)}: {total} bản ghi hết hạn{' (chạy thử, không thay đổi)' if dry_run else ''}.")
            elif last.get(kind) != done:
                self.stdout.write(f"  … {done}/{total}")
            last[kind] = done

        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = ""
        run = purge(dry_run=dry_run, run_by=f"manage purge_personal_data ({who})" if who else "manage purge_personal_data", progress=progress)
        total = sum(item.get("count", 0) for item in run.results.values())
        verb = "sẽ được xử lý" if dry_run else "đã ẩn danh hoặc xóa"
        self.stdout.write(self.style.SUCCESS(f"Xong: {total} bản ghi {verb}. Lần chạy #{run.pk} đã được ghi lại."))
