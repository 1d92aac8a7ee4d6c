"""Send the notifications that are due: once (for cron or a check), or in a loop (what `congvu worker` runs)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from congvu.notify.worker import DeliveryWorker


class Command(BaseCommand):
    help = "Gửi các thông báo (email, SMS) đang chờ trong hộp thư đi."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="chạy liên tục cho đến khi nhận Ctrl+C hoặc SIGTERM")
        parser.add_argument("--interval", type=float, default=1.0, help="số giây chờ giữa hai lần kiểm tra khi không có tin (mặc định 1)")
        parser.add_argument("--limit", type=int, default=1000, help="số tin tối đa gửi trong một lần chạy không --loop (mặc định 1000)")

    def handle(self, *args, loop=False, interval=1.0, limit=1000, **options):
        if interval <= 0 or limit <= 0:
            raise CommandError("--interval và --limit phải là số dương.")
        worker = DeliveryWorker(interval=interval, stdout=self.stdout)
        try:
            if loop:
                worker.run()
                return
            outcomes = worker.run_once(limit)
        except ImproperlyConfigured as exc:
            raise CommandError(f"Cấu hình gửi thông báo không hợp lệ: {exc}") from None
        sent = sum(1 for o in outcomes if o.sent)
        dead = sum(1 for o in outcomes if o.dead)
        self.stdout.write(f"Đã xử lý {len(outcomes)} tin: {sent} đã gửi, {len(outcomes) - sent - dead} sẽ thử lại, {dead} hỏng.")
