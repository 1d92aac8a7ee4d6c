"""Demo part of the national portal sync (run by `congvu demo` after the dossiers are loaded).

The demo's dossiers queue their own changes through the dossier core's hook; this makes sure every demo
dossier has its sync row (a database loaded before the sync app existed gets them queued here too), and says
where they go: the demo adapter `congvu demo` started, or nowhere until sync is configured."""

from typing import TextIO


def load(stdout: TextIO) -> None:
    from django.db import transaction

    from congvu.dossiers.models import Dossier
    from congvu.sync.adapter import AdapterConfig
    from congvu.sync.models import ChangeKind, PortalChange, PortalSync, SyncState

    missing = list(Dossier.objects.filter(portal_sync__isnull=True).values_list("pk", flat=True))
    if missing:
        with transaction.atomic():
            PortalSync.objects.bulk_create([PortalSync(dossier_id=pk, state=SyncState.PENDING) for pk in missing], ignore_conflicts=True)
            PortalChange.objects.bulk_create([PortalChange(dossier_id=pk, kind=ChangeKind.RESYNC) for pk in missing])
            from django.utils import timezone

            PortalSync.objects.filter(dossier_id__in=missing, claim_token="").update(next_attempt_at=timezone.now())
    queued = PortalSync.objects.exclude(state=SyncState.ACKNOWLEDGED).count()
    config = AdapterConfig.from_settings()
    where = config.describe() if config else "chưa cấu hình đồng bộ — các thay đổi được giữ trong hàng đợi"
    print(f"  Đồng bộ Cổng DVCQG: {queued} hồ sơ chờ đồng bộ ({where}).", file=stdout, flush=True)
