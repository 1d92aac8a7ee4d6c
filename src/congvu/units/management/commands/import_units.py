"""`congvu manage import_units --province 01 [--legacy] [--merged-into CODE]`"""


from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from congvu.units import services


class Command(BaseCommand):
    help = _("Load a province and its communes (or, with --legacy, its pre-2025 districts and communes) from vietnam-provinces.")

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help=_("province code, e.g. 01 for Hà Nội"))
        parser.add_argument("--legacy", action="store_true", help=_("load the structure before 1 July 2025 (63 provinces, districts, communes)"))
        parser.add_argument("--merged-into", metavar="CODE", help=_("with --legacy: code of the unit that took the old province over"))

    def handle(self, *args, province, legacy, merged_into, **options):
        tty = hasattr(self.stdout, "isatty") and self.stdout.isatty()
        last_shown = -1

        def progress(done: int, total: int) -> None:
            # A line every tenth (a log stays short), or one line rewritten in place on a terminal.
            nonlocal last_shown
            percent = done * 100 // total
            if tty:
                self.stdout.write(_("Imported %(done)d/%(total)d units (%(percent)d%%)") % {"done": done, "total": total, "percent": percent}, ending="\r")
                self.stdout.flush()
            elif percent // 10 != last_shown // 10 or done == total:
                last_shown = percent
                self.stdout.write(_("Imported %(done)d/%(total)d units (%(percent)d%%)") % {"done": done, "total": total, "percent": percent})

        try:
            result = services.import_province(province, legacy=legacy, progress=progress, merged_into=merged_into)
        except ValidationError as error:
            raise CommandError(" ".join(message for messages in error.message_dict.values() for message in messages)) from None
        if tty:
            self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            _("%(province)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"province": result.province.name, "created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        ))
