"""Send the notifications that are due: once (for cron or a check), or in a loop (what `congvu worker` runs)."""

from django.core.management.base import BaseCommand

from congvu.core.polling import PollingWorkerCommand
from congvu.notify.worker import DeliveryWorker


class Command(PollingWorkerCommand, BaseCommand):
    help = "Gửi các thông báo (email, SMS) đang chờ trong hộp thư đi."
    worker_class = DeliveryWorker
    default_interval = 1.0
    item_word = "tin"
    config_error = "Cấu hình gửi thông báo không hợp lệ"

    def summarise(self, outcomes):
        sent = sum(1 for o in outcomes if o.sent)
        dead = sum(1 for o in outcomes if o.dead)
        return f"{sent} đã gửi, {len(outcomes) - sent - dead} sẽ thử lại, {dead} hỏng"
