"""Sync the dossier changes that are due to the national portal: once (for cron or a check), or in a loop
(what `congvu worker` runs)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from congvu.sync.worker import SyncWorker


class Command(BaseCommand):
    help = "Đồng bộ hồ sơ và tiến độ xử lý lên Cổng Dịch vụ công quốc gia qua bộ điều hợp của tỉnh."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="chạy liên tục cho đến khi nhận Ctrl+C hoặc SIGTERM")
        parser.add_argument("--interval", type=float, default=2.0, help="số giây chờ giữa hai lần kiểm tra khi không có gì cần gửi (mặc định 2)")
        parser.add_argument("--limit", type=int, default=1000, help="số hồ sơ tối đa đồng bộ trong một lần chạy không --loop (mặc định 1000)")

    def handle(self, *args, loop=False, interval=2.0, limit=1000, **options):
        if interval <= 0 or limit <= 0:
            raise CommandError("--interval và --limit phải là số dương.")
        worker = SyncWorker(interval=interval, stdout=self.stdout)
        try:
            if loop:
                worker.run()
                return
            outcomes = worker.run_once(limit)
        except ImproperlyConfigured as exc:
            raise CommandError(f"Cấu hình đồng bộ không hợp lệ: {exc}") from None
        ok = sum(1 for o in outcomes if o.ok)
        failed = sum(1 for o in outcomes if o.failed)
        self.stdout.write(f"Đã xử lý {len(outcomes)} hồ sơ: {ok} đã đồng bộ, {len(outcomes) - ok - failed} sẽ thử lại, {failed} lỗi.")
