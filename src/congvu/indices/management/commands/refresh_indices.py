"""Bring the indicator rollups up to date: once, or in a loop (what `congvu worker` runs as its "indices" process)."""

import signal
import time

from django.core.management.base import BaseCommand, CommandError

from congvu.indices import services


class Command(BaseCommand):
    help = "Cập nhật các bảng tổng hợp chỉ số từ hồ sơ, đánh giá và phản ánh mới."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="chạy liên tục cho đến khi nhận Ctrl+C hoặc SIGTERM")
        parser.add_argument("--interval", type=float, default=5.0, help="số giây chờ giữa hai lần cập nhật (mặc định 5)")
        parser.add_argument("--limit", type=int, default=None, help="số hồ sơ tối đa tính lại mỗi lần (mặc định: tất cả)")

    def handle(self, *args, loop=False, interval=5.0, limit=None, **options):
        if interval <= 0 or (limit is not None and limit <= 0):
            raise CommandError("--interval và --limit phải là số dương.")
        if not loop:
            done = services.refresh(limit=limit)
            self.stdout.write(f"Đã cập nhật {done} hồ sơ.")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        try:
            while not stopping:
                done = services.refresh(limit=limit)
                if done:
                    self.stdout.write(f"Đã cập nhật {done} hồ sơ.")
                # A full batch means more is waiting: go on at once.
                if limit is None or done < limit:
                    time.sleep(interval)
        except KeyboardInterrupt:
            pass
