"""Recompute every indicator fact and rollup from the raw dossiers, ratings and feedback, or (--check) prove that the
stored ones equal such a computation."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from congvu.indices import services


class Command(BaseCommand):
    help = "Tính lại toàn bộ bảng tổng hợp chỉ số từ dữ liệu gốc (--check: chỉ so sánh, báo khác biệt)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="so sánh bảng tổng hợp với dữ liệu gốc; thoát mã khác 0 nếu có khác biệt")

    def handle(self, *args, check=False, **options):
        started = time.monotonic()
        shown = [0.0]

        def progress(done: int, total: int) -> None:
            # At most one line a second, and the last one.
            now = time.monotonic()
            if done == total or now - shown[0] >= 1:
                shown[0] = now
                self.stderr.write(f"  {done}/{total} hồ sơ ({time.monotonic() - started:.0f} giây)")

        if check:
            problems = services.check(progress=progress)
            if problems:
                for line in problems:
                    self.stdout.write(line)
                raise CommandError(f"Bảng tổng hợp khác dữ liệu gốc ({len(problems)} khác biệt được liệt kê).")
            self.stdout.write("Bảng tổng hợp khớp với dữ liệu gốc.")
            return
        count = services.rebuild(progress=progress)
        self.stdout.write(f"Đã tính lại {count} hồ sơ trong {time.monotonic() - started:.1f} giây.")
        sys.stdout.flush()
