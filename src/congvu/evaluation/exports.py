"""Excel exports of the evaluation pages (formula-injection safe through congvu.core.excel)."""

from django.utils.translation import gettext as _

from congvu.core.excel import workbook_bytes


def _number(value):
    return None if value is None else float(value)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def month_workbook(unit, year, month, sheets) -> bytes:
    columns = [(_("Staff member"), 30), (_("Account"), 20), (_("State"), 30), (_("Self-assessed score"), 14), (_("Score"), 10),
               (_("Band"), 30), (_("Scored by"), 25), (_("Approved by"), 25)]
    return workbook_bytes(_("Month %(month)02d-%(year)s") % {"month": month, "year": year}, columns, (
        [_name(s.user), s.user.get_username(), str(s.get_state_display()), _number(s.self_total), _number(s.points), s.band_label,
         _name(s.scored_by) if s.scored_by else "", _name(s.approved_by) if s.approved_by else ""]
        for s in sheets
    ))


def summary_workbook(unit, year, rows) -> bytes:
    columns = [(_("Staff member"), 30)] + [(_("Month %(month)s") % {"month": m}, 8) for m in range(1, 13)]
    columns += [(_("Quarter %(quarter)s") % {"quarter": q}, 10) for q in range(1, 5)]
    columns += [(_("Year's score"), 10), (_("Year-end level"), 30), (_("Provisional"), 10), (_("Reasons"), 80)]

    def line(r):
        months = []
        for m in range(1, 13):
            sheet = r.months.get(m)
            months.append(_number(sheet.points) if sheet is not None and sheet.state == "approved" else None)
        quarters = [_number(r.quarters[q][0]) for q in range(1, 5)]
        return [_name(r.user), *months, *quarters, _number(r.year.points), r.year.label, _("yes") if r.year.provisional else _("no"),
                " ".join(r.year.reasons)]

    return workbook_bytes(_("Year %(year)s") % {"year": year}, columns, (line(r) for r in rows))
