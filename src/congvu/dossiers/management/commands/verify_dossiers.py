"""`congvu manage verify_dossiers [--code X]`: rebuild every dossier's cached state from its events and report
drift; exit status 1 when any dossier drifted."""

import sys

from django.core.management.base import BaseCommand, CommandError

from congvu.dossiers.models import Dossier, DossierEvent
from congvu.dossiers.services.verification import drift_of

BATCH = 500


class Command(BaseCommand):
    help = "Rebuild each dossier's cached state from its events and report any difference (exit 1 on drift)."

    def add_arguments(self, parser):
        parser.add_argument("--code", action="append", help="Only this dossier code (repeatable).")
        parser.add_argument("--quiet", action="store_true", help="No progress lines.")

    def handle(self, *args, code=None, quiet=False, **options):
        qs = Dossier.objects.order_by("pk")
        if code:
            qs = qs.filter(code__in=code)
            found = set(qs.values_list("code", flat=True))
            missing = sorted(set(code) - found)
            if missing:
                raise CommandError(f"Không có hồ sơ: {', '.join(missing)}")
        total = qs.count()
        drifted = checked = 0
        last_pk = 0
        while True:
            batch = list(qs.filter(pk__gt=last_pk)[:BATCH])
            if not batch:
                break
            last_pk = batch[-1].pk
            events: dict[int, list] = {}
            for event in DossierEvent.objects.filter(dossier__in=batch).order_by("dossier_id", "seq"):
                events.setdefault(event.dossier_id, []).append(event)
            for dossier in batch:
                found = drift_of(dossier, events.get(dossier.pk, []))
                for d in found:
                    self.stdout.write(f"{dossier.code}: {d.field}: cached {d.cached!r}, events say {d.rebuilt!r}")
                drifted += bool(found)
                checked += 1
            if not quiet:
                self.stderr.write(f"{checked}/{total} hồ sơ đã kiểm tra")
        self.stdout.write(f"Đã kiểm tra {checked} hồ sơ; {drifted} hồ sơ lệch so với nhật ký sự kiện.")
        if drifted:
            sys.exit(1)
