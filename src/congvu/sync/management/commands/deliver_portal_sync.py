"""Sync the dossier changes that are due to the national portal: once (for cron or a check), or in a loop
(what `congvu worker` runs)."""

from django.core.management.base import BaseCommand

from congvu.core.polling import PollingWorkerCommand
from congvu.sync.worker import SyncWorker


class Command(PollingWorkerCommand, BaseCommand):
    help = "Đồng bộ hồ sơ và tiến độ xử lý lên Cổng Dịch vụ công quốc gia qua bộ điều hợp của tỉnh."
    worker_class = SyncWorker
    default_interval = 2.0
    item_word = "hồ sơ"
    config_error = "Cấu hình đồng bộ không hợp lệ"

    def summarise(self, outcomes):
        ok = sum(1 for o in outcomes if o.ok)
        failed = sum(1 for o in outcomes if o.failed)
        return f"{ok} đã đồng bộ, {len(outcomes) - ok - failed} sẽ thử lại, {failed} lỗi"
