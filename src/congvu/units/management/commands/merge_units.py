"""`congvu manage merge_units --into CODE --last-day YYYY-MM-DD CODE [CODE …]`

Records a merge that a resolution decided (e.g. which old wards formed a new one): the package of
administrative divisions does not carry that table, so the operator enters it."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from congvu.units import services
from congvu.units.models import Unit


class Command(BaseCommand):
    help = _("Record that units ceased on a day and another unit took them over.")

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="+", metavar="CODE", help=_("codes of the units that ceased"))
        parser.add_argument("--into", required=True, metavar="CODE", help=_("code of the unit that took them over"))
        parser.add_argument("--last-day", required=True, metavar="YYYY-MM-DD", help=_("last day the merged units existed"))

    def handle(self, *args, codes, into, last_day, **options):
        try:
            last_day = dt.date.fromisoformat(last_day)
        except ValueError:
            raise CommandError(_("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": last_day}) from None
        units = {u.code: u for u in Unit.objects.filter(code__in=[*codes, into])}
        missing = [code for code in [*codes, into] if code not in units]
        if missing:
            raise CommandError(_("There is no unit with code “%(code)s”.") % {"code": ", ".join(missing)})
        try:
            merged = services.merge_units([units[c] for c in codes], into=units[into], last_day=last_day)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(
            _("%(count)d unit(s) merged into %(unit)s.") % {"count": len(merged), "unit": units[into].name}
        ))
