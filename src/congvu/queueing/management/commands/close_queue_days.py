"""Close the tickets left open on days before today (run nightly; the first ticket of a day closes its own
centre's earlier days anyway)."""

from django.core.management.base import BaseCommand

from congvu.queueing.services import close_days


class Command(BaseCommand):
    help = "Đóng các số thứ tự còn mở của những ngày trước hôm nay (chờ, đã gọi, bỏ qua → không đến)."

    def handle(self, *args, **options):
        closed = close_days()
        self.stdout.write(f"Đã đóng {closed} số thứ tự còn mở của các ngày trước.")
