"""`congvu manage restore PATH [--force]`: put a backup made by `congvu manage backup` back (congvu.core.backup).
Stop the app server and the workers first."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congvu.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = ("Khôi phục một bản sao lưu của congvu (cơ sở dữ liệu và tệp). Hãy dừng máy chủ web và tiến trình nền trước. "
            "Từ chối ghi đè cơ sở dữ liệu đã có dữ liệu nếu không có --force.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="thư mục bản sao lưu (congvu-backup-…)")
        parser.add_argument("--force", action="store_true", help="thay toàn bộ dữ liệu hiện có bằng bản sao lưu")

    def handle(self, *args, path, force=False, **options):
        try:
            result = restore_backup(path, force=force, progress=lambda line: self.stderr.write(line))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Đã khôi phục {result.tables} bảng, {result.rows} dòng, {result.files} tệp từ {path}.")
