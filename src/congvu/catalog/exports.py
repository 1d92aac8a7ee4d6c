"""Excel export of the public catalogue list (cells made inert by congvu.core.excel)."""

from django.utils.translation import gettext as _

from congvu.catalog.formatting import fee_text, time_limit_text
from congvu.core.excel import workbook_bytes


def catalogue_workbook(versions) -> bytes:
    columns = [
        (_("Procedure code"), 12), (_("Procedure name"), 60), (_("Field"), 28), (_("Implementing level"), 18),
        (_("Time limit"), 20), (_("Time limit as published"), 20), (_("Fees"), 40), (_("Online service level"), 18),
        (_("Version"), 8), (_("Effective from"), 12), (_("Ready to receive dossiers"), 12), (_("Missing information"), 50),
    ]
    rows = (
        [
            version.procedure.code,
            version.name,
            version.field.name,
            ", ".join(str(lv.get_level_display()) for lv in version.levels.all()),
            time_limit_text(version),
            version.time_limit_raw,
            "; ".join(fee_text(f) for f in version.fees.all()),
            str(version.get_online_level_display()),
            version.number,
            version.effective_from,
            _("yes, ready") if version.is_complete else _("not yet"),
            "; ".join(str(g) for g in version.gaps.all()),
        ]
        for version in versions
    )
    return workbook_bytes(_("Procedures"), columns, rows)
