"""Build a realistic province for sizing and benchmarks: its real units, the catalogue, staff, and N dossiers spread
over Y years with their events, steps, requests to complete, payments, apologies, results, ratings, sync rows and a
sample of feedback; then the indicator rollups. Deterministic for a given --seed (whatever --jobs)."""

import datetime as dt
import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from congvu.core import generation


class Command(BaseCommand):
    help = ("Sinh dữ liệu thử cho một tỉnh: đơn vị thật, danh mục thủ tục, cán bộ và N hồ sơ trong Y năm "
            "(kèm sự kiện, bước xử lý, đánh giá, phản ánh), rồi tính lại bảng tổng hợp chỉ số.")

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, required=True, help="số hồ sơ cần sinh")
        parser.add_argument("--province", default=generation.PROVINCE_CODE, help="mã tỉnh/thành phố (mặc định 66: Đắk Lắk)")
        parser.add_argument("--years", type=float, default=1, help="số năm lịch sử (mặc định 1)")
        parser.add_argument("--seed", type=int, default=1, help="hạt giống ngẫu nhiên (cùng hạt giống → cùng dữ liệu)")
        parser.add_argument("--departments", type=int, default=20, help="số sở, ngành cấp tỉnh (tối đa 20)")
        parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="số tiến trình ghi song song (PostgreSQL)")
        parser.add_argument("--feedback-per", type=int, default=5000, help="một phản ánh cho mỗi chừng ấy hồ sơ (0: không sinh)")
        parser.add_argument("--no-indices", action="store_true", help="không tính lại bảng tổng hợp chỉ số sau khi sinh")

    def handle(self, *args, dossiers, province, years, seed, departments, jobs, feedback_per, no_indices, **options):
        if dossiers <= 0:
            raise CommandError("--dossiers phải là số dương.")
        if not 0 < years <= 20:
            raise CommandError("--years phải trong khoảng (0, 20].")
        if not 1 <= departments <= len(generation.DEPARTMENTS):
            raise CommandError(f"--departments phải từ 1 đến {len(generation.DEPARTMENTS)}.")
        started = time.monotonic()
        self.stderr.write(f"Chuẩn bị tỉnh {province}: đơn vị, danh mục, cán bộ…")
        try:
            place = generation.setup_place(province, departments=departments)
        except (LookupError, ValueError) as exc:
            raise CommandError(f"Không dựng được tỉnh {province}: {exc}") from exc
        self.stderr.write(f"  {len(place.communes)} xã/phường, {len(place.departments)} sở ngành, "
                          f"{len(place.unit_staff) * 2 + 2} cán bộ ({time.monotonic() - started:.0f} giây)")

        loaded = time.monotonic()
        stats = generation.generate(
            place, dossiers, months=max(1, round(years * 12)), seed=seed, jobs=jobs,
            progress=self._progress("hồ sơ", loaded), index_progress=self._progress("chỉ mục dựng lại", loaded),
        )
        load_seconds = time.monotonic() - loaded
        self.stdout.write(
            f"Đã sinh {stats.dossiers:,} hồ sơ, {stats.events:,} sự kiện, {stats.rows:,} dòng trong {load_seconds:,.0f} giây "
            f"({stats.dossiers / load_seconds:,.0f} hồ sơ/giây, {jobs if connection.vendor == 'postgresql' else 1} tiến trình, "
            f"{connection.vendor})."
        )
        by_state = ", ".join(f"{state} {count:,}" for state, count in sorted(stats.by_state.items(), key=lambda kv: -kv[1]))
        self.stdout.write(f"  Theo trạng thái: {by_state}")

        if feedback_per:
            count = max(1, dossiers // feedback_per)
            at = time.monotonic()
            made = generation.add_feedback(place, count, seed=seed)
            self.stdout.write(f"Đã gửi {made:,} phản ánh, kiến nghị qua dịch vụ PAKN ({time.monotonic() - at:,.0f} giây).")

        if not no_indices:
            from congvu.indices import services as indices

            at = time.monotonic()
            count = indices.rebuild(progress=self._progress("bảng tổng hợp chỉ số", at), jobs=jobs)
            self.stdout.write(f"Đã tính lại chỉ số cho {count:,} hồ sơ trong {time.monotonic() - at:,.0f} giây.")
        self.stdout.write(f"Xong trong {dt.timedelta(seconds=round(time.monotonic() - started))}.")
        sys.stdout.flush()

    def _progress(self, label: str, started: float):
        shown = [0.0]

        def report(done: int, total: int) -> None:
            # At most one line every two seconds, and the last one.
            now = time.monotonic()
            if done == total or now - shown[0] >= 2:
                shown[0] = now
                elapsed = now - started
                rate = f", {done / elapsed:,.0f}/giây" if elapsed > 0 else ""
                self.stderr.write(f"  {label}: {done:,}/{total:,} ({done / total:.0%}, {elapsed:,.0f} giây{rate})")

        return report
