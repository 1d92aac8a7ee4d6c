"""`congvu manage ensure_event_partitions [--from YYYY-MM] [--to YYYY-MM] [--ahead N]`: create the monthly
partitions of the dossier events on PostgreSQL (the worker keeps the next months ready by itself; this is for
loading history, or after the worker was down for months). Says what it created, what exists, and how many
events sit in the DEFAULT partition (months without their own partition)."""

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from congvu.dossiers import partitions


def _month(text: str) -> dt.date:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise CommandError(f"Tháng không hợp lệ: {text!r}; viết theo dạng NNNN-TT, ví dụ 2025-07.")
    return dt.date(int(match[1]), int(match[2]), 1)


class Command(BaseCommand):
    help = "Tạo trước các phân vùng theo tháng của bảng sự kiện hồ sơ (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="tháng đầu, dạng NNNN-TT (mặc định: tháng hiện tại)")
        parser.add_argument("--to", dest="last", help="tháng cuối, dạng NNNN-TT (mặc định: tháng hiện tại + --ahead)")
        parser.add_argument("--ahead", type=int, default=3, help="số tháng tạo trước sau tháng hiện tại khi không có --to (mặc định 3)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="cơ sở dữ liệu (mặc định: default)")

    def handle(self, *args, first=None, last=None, ahead=3, database=DEFAULT_DB_ALIAS, **options):
        if database not in connections:
            raise CommandError(f"Không có cơ sở dữ liệu {database!r} trong cấu hình.")
        if ahead < 0 or ahead > 120:
            raise CommandError("--ahead phải từ 0 đến 120 tháng.")
        today = partitions.month_start(dt.datetime.now(dt.timezone.utc).date())
        start = _month(first) if first else today
        if last:
            end = _month(last)
        else:
            end = today
            for _ in range(ahead):
                end = partitions.next_month(end)
        if start > end:
            raise CommandError(f"Tháng đầu ({start:%Y-%m}) sau tháng cuối ({end:%Y-%m}).")
        if not partitions.is_partitioned(database):
            vendor = connections[database].vendor
            why = "SQLite dùng một bảng thường" if vendor == "sqlite" else "bảng sự kiện chưa được phân vùng (chưa chạy migrate?)"
            self.stdout.write(f"Không có gì để làm: {why}.")
            return
        # The months named here are the partitions' own (UTC): as instants, since a bare date is a local day.
        wanted = partitions.months(partitions.utc_month_start(start), partitions.utc_month_start(end))
        self.stdout.write(f"Kiểm tra {len(wanted)} tháng, từ {start:%m/%Y} đến {end:%m/%Y} (theo giờ UTC)…")
        created = []
        for month in wanted:
            # One month per call so a long run shows its progress and a failure keeps what was done.
            names = partitions.ensure_event_partitions(partitions.utc_month_start(month), partitions.utc_month_start(month), using=database)
            for name in names:
                self.stdout.write(f"  đã tạo {name} (tháng {month:%m/%Y})")
            created += names
        existing = partitions.existing_partitions(database)
        months = [n for n in existing if n != partitions.DEFAULT_PARTITION]
        self.stdout.write(self.style.SUCCESS(
            f"Đã tạo {len(created)} phân vùng mới; {len(wanted) - len(created)} tháng đã có sẵn. "
            f"Bảng sự kiện có {len(months)} phân vùng theo tháng"
            + (f" ({months[0].rsplit('_', 1)[1]} … {months[-1].rsplit('_', 1)[1]})" if months else "")
            + " và phân vùng mặc định."))
        with connections[database].cursor() as cursor:
            cursor.execute(f'SELECT count(*), min(at), max(at) FROM "{partitions.DEFAULT_PARTITION}"')
            stray, lo, hi = cursor.fetchone()
        if stray:
            self.stdout.write(self.style.WARNING(
                f"Phân vùng mặc định đang giữ {stray} sự kiện ngoài các tháng đã tạo (từ {lo:%m/%Y} đến {hi:%m/%Y}); "
                f"tạo các tháng đó để chuyển chúng sang: ensure_event_partitions --from {lo:%Y-%m} --to {hi:%Y-%m}"))
