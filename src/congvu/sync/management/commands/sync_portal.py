"""Queue a full resend (record and all history) of the dossiers received in a date range, to catch up with
the national portal after an outage; the worker (`deliver_portal_sync`) sends them."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from congvu.sync.services import queue_since


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Ngày {value!r} không hợp lệ: dùng dạng YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Xếp lại vào hàng đợi đồng bộ Cổng DVCQG các hồ sơ tiếp nhận trong một khoảng ngày (gửi lại đầy đủ hồ sơ và tiến độ)."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="từ ngày tiếp nhận (YYYY-MM-DD, giờ Việt Nam)")
        parser.add_argument("--until", help="đến hết ngày (YYYY-MM-DD); mặc định: đến nay")

    def handle(self, *args, since, until=None, **options):
        start = _date(since)
        end = _date(until) if until else None
        if end is not None and end < start:
            raise CommandError("--until phải sau hoặc bằng --since.")
        last = {"step": -1}
        interactive = self.stdout.isatty()

        def progress(done: int, total: int) -> None:
            step = done * 20 // max(total, 1)
            if step == last["step"] and done < total:
                return
            last["step"] = step
            line = f"  Đã xếp hàng {done}/{total} hồ sơ ({done * 100 // max(total, 1)}%)"
            if interactive:
                self.stdout.write("\r" + line, ending="\n" if done >= total else "")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        period = f"từ {start:%d/%m/%Y}" + (f" đến {end:%d/%m/%Y}" if end else " đến nay")
        self.stdout.write(f"Xếp hàng gửi lại lên Cổng DVCQG các hồ sơ tiếp nhận {period}…")
        queued, waiting = queue_since(start, end, progress=progress)
        self.stdout.write(
            f"Xong: {queued} hồ sơ được xếp hàng gửi lại đầy đủ; {waiting} hồ sơ đã có yêu cầu gửi lại đang chờ nên không xếp thêm."
        )
        from congvu.sync.adapter import AdapterConfig

        if AdapterConfig.from_settings() is None:
            self.stdout.write("Lưu ý: chưa cấu hình đồng bộ Cổng DVCQG; các hồ sơ nằm trong hàng đợi đến khi có cấu hình.")
