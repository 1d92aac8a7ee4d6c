"""`congvu manage backup [--output DIR]`: the database, uploaded files and the data dir's own files, with a manifest
(congvu.core.backup). Prints progress on stderr and the backup's directory on stdout."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from congvu.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = ("Sao lưu toàn bộ: cơ sở dữ liệu (SQLite: online backup API; PostgreSQL: pg_dump), tệp đính kèm và tệp "
            "khoá/chứng thư trong thư mục dữ liệu, kèm manifest (phiên bản, số dòng, tổng kiểm).")

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None,
                            help="thư mục chứa bản sao lưu (mặc định: <CONGVU_DATA_DIR>/backups)")

    def handle(self, *args, output=None, **options):
        output = output or Path(settings.DATA_DIR) / "backups"
        try:
            path = create_backup(output, progress=lambda line: self.stderr.write(line))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(path))
