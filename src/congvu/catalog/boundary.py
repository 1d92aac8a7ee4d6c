"""Filing regardless of administrative boundary (Decree 118/2025, "không phụ thuộc địa giới hành chính").

The province publishes, by decision, a list of procedures that any commune centre in the province may receive.
`BoundaryFreeListing` rows hold that list (procedure, province, decision, validity). This module holds:

- the rule (`decide`, pure): what intake at a centre does with a procedure given its implementing levels, whether
  it is listed, and where the applicant lives;
- the reads the rule needs (`listing_on`, `route_intake`): the listing in force on a day, the receiving commune,
  the competent unit and the centre the applicant should have gone to;
- the management of the list (`add_listing`, `end_listing`, `import_listings` from CSV or Excel with a report).

What "competent unit" means in congvu's data model (the unit a dossier's `handling_unit` names, the body that
decides):
- a commune-level procedure (`VersionLevel` "commune"): the People's Committee of the applicant's commune or ward
  of residence, i.e. that `Unit` of kind commune (followed to its successor if it has since been merged);
- a province-level procedure (levels include "province" but not "commune"): the provincial department whose name
  the version's published implementing agency names (e.g. "Sở Tư pháp" in "Sở Tư pháp các tỉnh, thành phố"),
  else the province unit itself (the provincial People's Committee), which implements every province-level
  procedure (`indices.measures_catalog.LEVELS_BY_KIND`).
The centre named to an applicant who must file elsewhere is the public administration service centre or one-stop
desk directly under that commune (or under the province for a province-level procedure), else the unit itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.catalog.models import BoundaryFreeListing, ImplementingLevel, Procedure
from congvu.core.text import fold

# ------------------------------------------------------------------------------------------------ the rule (pure)

AS_BEFORE = "as_before"  # not a boundary question: intake goes on exactly as without this module
ROUTE = "route"  # listed: accept here, decided by the competent unit
REFUSE = "refuse"  # not listed and not this centre's: name the competent centre

RESIDENCE = "residence_commune"
PROVINCE = "province"


@dataclass(frozen=True)
class Decision:
    outcome: str
    target: str | None = None  # RESIDENCE or PROVINCE for ROUTE and REFUSE


def decide(levels, *, at_commune: bool, listed: bool, residence_known: bool = False, same_commune: bool = True,
           same_province: bool = True) -> Decision:
    """What intake at a receiving unit does with a procedure.

    - Only a centre inside a commune is bound by the commune's boundary; the province's own centre, departments and
      the province receive as before.
    - A commune-level procedure for an applicant of this commune (or whose commune is not given) is received as
      before. For an applicant of another commune of the province it is received and routed to the applicant's
      commune when the procedure is listed, else refused naming the applicant's commune centre (an applicant of
      another province is always refused: the list holds within one province).
    - A procedure implemented only at province level is not a commune's: received and routed to the province-level
      body when listed, else refused naming the province's centre.
    - Other levels (ministries, other bodies) are not the province's to list: as before."""
    levels = set(levels)
    if not at_commune:
        return Decision(AS_BEFORE)
    if ImplementingLevel.COMMUNE in levels:
        if not residence_known or same_commune:
            return Decision(AS_BEFORE)
        if listed and same_province:
            return Decision(ROUTE, RESIDENCE)
        return Decision(REFUSE, RESIDENCE)
    if ImplementingLevel.PROVINCE in levels:
        return Decision(ROUTE, PROVINCE) if listed else Decision(REFUSE, PROVINCE)
    return Decision(AS_BEFORE)


def in_force(valid_from: dt.date, valid_to: dt.date | None, day: dt.date) -> bool:
    return valid_from <= day and (valid_to is None or day <= valid_to)


@dataclass(frozen=True)
class Centre:
    name: str
    address: str = ""
    phone: str = ""


def refusal_message(procedure_code: str, procedure_name: str, province_name: str, centre: Centre, residence_name: str = "") -> str:
    """The Vietnamese explanation for an applicant who must file elsewhere, naming the competent centre."""
    where = _("%(name)s, address: %(address)s, phone: %(phone)s") % {
        "name": centre.name, "address": centre.address or _("not published"), "phone": centre.phone or _("not published"),
    }
    if residence_name:
        return _(
            "Procedure %(code)s (%(name)s) is not on %(province)s's list of procedures received regardless of administrative "
            "boundary, so it is received only where the applicant lives (%(residence)s). Please file it at: %(where)s."
        ) % {"code": procedure_code, "name": procedure_name, "province": province_name, "residence": residence_name, "where": where}
    return _(
        "Procedure %(code)s (%(name)s) is a province-level procedure and is not on %(province)s's list of procedures "
        "received regardless of administrative boundary, so a commune centre cannot receive it. Please file it at: %(where)s."
    ) % {"code": procedure_code, "name": procedure_name, "province": province_name, "where": where}


# ------------------------------------------------------------------------------------------------ import (pure parts)

# Header words (folded) of each column; the first row that names a procedure-code column is the header.
COLUMNS = {
    "code": ("ma thu tuc", "ma tthc", "ma so thu tuc", "ma", "code", "procedure code", "procedure"),
    "decision_number": ("so quyet dinh", "quyet dinh", "so qd", "quyet dinh cong bo", "decision", "decision number"),
    "decision_date": ("ngay quyet dinh", "ngay ban hanh", "ngay qd", "ngay ky", "decision date"),
    "valid_from": ("ap dung tu", "ap dung tu ngay", "hieu luc tu", "tu ngay", "ngay ap dung", "valid from"),
}
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d")
_CODE_CLEAN = re.compile(r"\s+")


@dataclass(frozen=True)
class ImportRow:
    line: int
    code: str
    decision_number: str
    decision_date: dt.date
    valid_from: dt.date


@dataclass
class ParsedList:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_date(value) -> dt.date | None:
    """A date from a spreadsheet cell or text (day first, as Vietnamese documents write it); None when empty.
    Raises ValueError for text that is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _header_map(row) -> dict[str, int] | None:
    names = [fold(str(c or "")).strip(" :*") for c in row]
    found = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases and index not in found.values():
                found[key] = index
                break
    return found if "code" in found else None


def parse_listing_rows(rows, *, decision_number: str = "", decision_date: dt.date | None = None) -> ParsedList:
    """The procedures of an imported list. `rows` are the cells of a sheet or CSV, header included (its line is
    found by the column names); a row's own decision number and date win over the ones given for the whole
    file; the listing applies from the row's "valid from" date, else from the decision date. Every problem
    names its line; the caller writes nothing when there is any."""
    out = ParsedList()
    rows = [list(r) for r in rows]
    header_at, columns = None, None
    for index, row in enumerate(rows):
        columns = _header_map(row)
        if columns:
            header_at = index
            break
    if header_at is None:
        out.problems.append(_("No header row with a procedure code column (“Mã thủ tục”) was found."))
        return out
    seen: dict[tuple[str, str], int] = {}

    def cell(row, key):
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else None

    for index, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(str(c or "").strip() for c in row):
            continue
        code = _CODE_CLEAN.sub("", str(cell(row, "code") or ""))
        number = " ".join(str(cell(row, "decision_number") or "").split()) or decision_number.strip()
        problems = []
        if not code:
            problems.append(_("the procedure code is empty"))
        if not number:
            problems.append(_("no decision number (in the row or for the whole file)"))
        elif len(number) > 120:
            problems.append(_("the decision number is longer than 120 characters"))
        try:
            date = parse_date(cell(row, "decision_date")) or decision_date
        except ValueError as exc:
            date = None
            problems.append(_("“%(value)s” is not a date (write dd/mm/yyyy)") % {"value": exc.args[0]})
        else:
            if date is None:
                problems.append(_("no decision date (in the row or for the whole file)"))
        try:
            start = parse_date(cell(row, "valid_from")) or date
        except ValueError as exc:
            start = None
            problems.append(_("“%(value)s” is not a date (write dd/mm/yyyy)") % {"value": exc.args[0]})
        if code and number and (code, number) in seen:
            problems.append(_("the same procedure and decision as line %(line)s") % {"line": seen[(code, number)]})
        if problems:
            out.problems.append(_("Line %(line)s: %(problems)s.") % {"line": index, "problems": "; ".join(problems)})
            continue
        seen[(code, number)] = index
        out.rows.append(ImportRow(index, code, number, date, start))
    if not out.rows and not out.problems:
        out.problems.append(_("The file lists no procedure."))
    return out


def read_table(filename: str, raw: bytes) -> list[list]:
    """The rows of an uploaded CSV (UTF-8, with or without BOM; comma, semicolon or tab separated) or Excel
    workbook (first sheet). Raises ValueError with a Vietnamese message for anything else."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm") or raw[:2] == b"PK":
        from openpyxl import load_workbook

        from congvu.documents.validation import DocumentError, check_archive

        try:
            check_archive(raw)  # before openpyxl inflates it: a zip bomb is refused, not opened
        except DocumentError as exc:
            raise ValueError(exc.message) from None
        try:
            workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            # In read-only mode the sheet's XML is parsed while the rows are read: a damaged or hostile sheet
            # (malformed XML, an entity expansion bomb) fails here, not when the workbook opens.
            return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise ValueError(_("The Excel file cannot be read.")) from None
    if suffix not in ("", ".csv", ".txt"):
        raise ValueError(_("Upload a CSV or Excel (.xlsx) file."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_("The CSV file is not in UTF-8; save it again as “CSV UTF-8”.")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text, newline=""), dialect)]


# ------------------------------------------------------------------------------------------------ reads

def _day(at) -> dt.date:
    if at is None:
        return timezone.localdate()
    if isinstance(at, dt.datetime):
        return timezone.localdate(at) if timezone.is_aware(at) else at.date()
    return at


def in_force_q(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": day}) & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day}))


def listing_on(procedure, province, at=None) -> BoundaryFreeListing | None:
    """The listing of `procedure` by `province` in force on the day of `at` (today by default), latest decision first."""
    if procedure is None or province is None:
        return None
    return (BoundaryFreeListing.objects.filter(in_force_q(_day(at)), procedure=procedure, province=province)
            .order_by("-decision_date", "-pk").first())


def listings_by_procedure(procedure_ids, at=None) -> dict[int, list[BoundaryFreeListing]]:
    """{procedure id: its listings in force on the day} for the catalogue's markers, in one query."""
    out: dict[int, list[BoundaryFreeListing]] = {}
    ids = [pk for pk in set(procedure_ids) if pk is not None]
    if not ids:
        return out
    rows = (BoundaryFreeListing.objects.filter(in_force_q(_day(at)), procedure_id__in=ids).select_related("province")
            .order_by("procedure_id", "province__path", "-decision_date"))
    for listing in rows:
        out.setdefault(listing.procedure_id, []).append(listing)
    return out


def province_of(unit):
    from congvu.units.models import Unit

    return unit if unit.depth == 1 else Unit.objects.get(path=unit.path[: Unit.steplen])


def _ancestry(unit) -> list:
    """`unit` and the units above it, nearest first (one query)."""
    from congvu.units.models import Unit

    steplen = Unit.steplen
    paths = [unit.path[: d * steplen] for d in range(1, unit.depth)]
    above = sorted(Unit.objects.filter(path__in=paths), key=lambda u: -u.depth) if paths else []
    return [unit, *above]


def commune_of(unit):
    """The commune or ward the unit belongs to (itself when it is one), or None for a province-level unit."""
    from congvu.units.models import UnitKind

    return next((u for u in _ancestry(unit) if u.kind == UnitKind.COMMUNE), None)


def current_successor(unit, day: dt.date):
    """The unit that stands for `unit` on `day`: itself while it exists, else its successor (transitively)."""
    seen = set()
    while unit is not None and unit.valid_to is not None and unit.valid_to < day and unit.successor_id and unit.pk not in seen:
        seen.add(unit.pk)
        unit = unit.successor
    return unit


def province_body(version, province):
    """The province-level body competent for `version`: the department of `province` that the published
    implementing agency names, else the province itself."""
    from congvu.units.models import Unit, UnitKind
    from congvu.units.selectors import active_q

    agency = fold(version.agency)
    province_name = fold(province.name)
    if agency:
        departments = Unit.objects.filter(active_q(), path__startswith=province.path, depth=province.depth + 1, kind=UnitKind.DEPARTMENT)
        best = None
        for department in departments.order_by("path"):
            name = fold(department.name)
            # "Sở Tư pháp thành phố Hà Nội" is named "Sở Tư pháp" in a nationwide agency text.
            for suffix in (province_name, province_name.replace("thanh pho ", "").replace("tinh ", "")):
                if suffix and name.endswith(" " + suffix):
                    name = name[: -len(suffix) - 1].strip()
                    break
            if name and name in agency and (best is None or len(name) > best[0]):
                best = (len(name), department)
        if best is not None:
            return best[1]
    return province


def centre_of(unit) -> object:
    """The one-stop door of a commune or the province: its service centre (or one-stop desk) directly under it,
    else the unit itself."""
    from congvu.units.models import Unit, UnitKind
    from congvu.units.selectors import active_q

    doors = list(Unit.objects.filter(active_q(), path__startswith=unit.path, depth=unit.depth + 1,
                                     kind__in=[UnitKind.SERVICE_CENTRE, UnitKind.ONE_STOP_DESK]).order_by("path"))
    doors.sort(key=lambda u: u.kind != UnitKind.SERVICE_CENTRE)  # a service centre before a desk
    return doors[0] if doors else unit


def _centre_info(unit) -> Centre:
    return Centre(unit.name, unit.address, unit.phone_display if unit.phone else "")


class OutsideBoundary(Exception):
    """Intake refused: the centre is not competent and the procedure is not listed. `centre` is where to file."""

    def __init__(self, message: str, centre, competent):
        super().__init__(message)
        self.message = message
        self.centre = centre
        self.competent = competent


@dataclass(frozen=True)
class Route:
    """What intake does: `handling_unit` None keeps the default; `listing` is the listing that allowed it."""

    decision: Decision
    handling_unit: object = None
    listing: BoundaryFreeListing | None = None


def route_intake(receiving_unit, version, residence=None, at=None) -> Route:
    """Apply `decide` at `receiving_unit` for `version` and an applicant living in `residence` (a commune unit, or
    None when not given). Returns the route, or raises OutsideBoundary naming the competent centre."""
    day = _day(at)
    levels = {lv.level for lv in version.levels.all()}
    if not levels & {ImplementingLevel.COMMUNE, ImplementingLevel.PROVINCE}:
        return Route(Decision(AS_BEFORE))
    if ImplementingLevel.COMMUNE in levels and residence is None:
        return Route(Decision(AS_BEFORE))  # the usual case costs one query
    receiving_commune = commune_of(receiving_unit)
    if receiving_commune is None:
        return Route(Decision(AS_BEFORE))
    residence = current_successor(residence, day) if residence is not None else None
    same_commune = residence is None or residence.pk == receiving_commune.pk
    if ImplementingLevel.COMMUNE in levels and same_commune:
        return Route(Decision(AS_BEFORE))
    province = province_of(receiving_commune)
    same_province = residence is None or residence.path.startswith(province.path)
    listing = listing_on(version.procedure, province, day)
    decision = decide(levels, at_commune=True, listed=listing is not None, residence_known=residence is not None,
                      same_commune=same_commune, same_province=same_province)
    if decision.outcome == AS_BEFORE:
        return Route(decision)
    competent = residence if decision.target == RESIDENCE else province_body(version, province)
    if decision.outcome == ROUTE:
        return Route(decision, competent, listing)
    door = centre_of(residence if decision.target == RESIDENCE else province)
    message = refusal_message(version.procedure.code, version.name, province.name, _centre_info(door),
                              residence.name if decision.target == RESIDENCE else "")
    raise OutsideBoundary(message, door, competent)


def residence_choices(day: dt.date | None = None) -> list:
    """The communes and wards an applicant may live in (existing ones), by name: the counter form's choices."""
    from congvu.units.models import Unit, UnitKind
    from congvu.units.selectors import active_q, order_by_name

    return list(order_by_name(Unit.objects.filter(active_q(day), kind=UnitKind.COMMUNE)).only("pk", "code", "name", "path", "depth"))


# ------------------------------------------------------------------------------------------------ managing the list

def _procedure(code_or_procedure) -> Procedure:
    if isinstance(code_or_procedure, Procedure):
        return code_or_procedure
    procedure = Procedure.objects.filter(code=str(code_or_procedure or "").strip()).first()
    if procedure is None:
        raise ValidationError({"procedure": _("There is no procedure with code %(code)s in the catalogue.") % {"code": code_or_procedure}})
    return procedure


def _check_province(province) -> None:
    from congvu.units.models import UnitKind

    if province is None or province.depth != 1 or province.kind != UnitKind.PROVINCE:
        raise ValidationError({"province": _("A list is published by a province or centrally-run city.")})


def add_listing(procedure, province, decision_number: str, decision_date: dt.date, valid_from: dt.date | None = None,
                *, actor=None) -> BoundaryFreeListing:
    """List `procedure` (a Procedure or its code) for `province` by a decision, from `valid_from` (the decision
    date by default). Raises ValidationError (Vietnamese, by field) when it cannot."""
    procedure = _procedure(procedure)
    _check_province(province)
    number = " ".join(str(decision_number or "").split())
    if not number:
        raise ValidationError({"decision_number": _("Enter the number of the decision that lists the procedure.")})
    if decision_date is None:
        raise ValidationError({"decision_date": _("Enter the date of the decision.")})
    valid_from = valid_from or decision_date
    if BoundaryFreeListing.objects.filter(procedure=procedure, province=province, decision_number=number).exists():
        raise ValidationError({"decision_number": _("Procedure %(code)s is already listed by decision %(number)s.") % {
            "code": procedure.code, "number": number}})
    if listing_on(procedure, province, valid_from) is not None:
        raise ValidationError({"procedure": _("Procedure %(code)s is already listed on %(date)s; end that listing first.") % {
            "code": procedure.code, "date": valid_from.strftime("%d/%m/%Y")}})
    try:
        with transaction.atomic():
            return BoundaryFreeListing.objects.create(
                procedure=procedure, province=province, decision_number=number, decision_date=decision_date, valid_from=valid_from,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:  # the same listing recorded at the same moment by someone else
        raise ValidationError({"decision_number": _("Procedure %(code)s is already listed by decision %(number)s.") % {
            "code": procedure.code, "number": number}}) from None


def end_listing(listing: BoundaryFreeListing, last_day: dt.date, end_decision_number: str = "", *, actor=None) -> BoundaryFreeListing:
    """End a listing on `last_day` (included), by the decision that removed it. Never deletes."""
    if last_day is None:
        raise ValidationError({"valid_to": _("Enter the last day of the listing.")})
    if last_day < listing.valid_from:
        raise ValidationError({"valid_to": _("The last day cannot be before the first day (%(date)s).") % {
            "date": listing.valid_from.strftime("%d/%m/%Y")}})
    if listing.valid_to is not None:
        raise ValidationError({"valid_to": _("This listing already ended on %(date)s.") % {"date": listing.valid_to.strftime("%d/%m/%Y")}})
    listing.valid_to = last_day
    listing.end_decision_number = " ".join(str(end_decision_number or "").split())[:120]
    listing.save(update_fields=["valid_to", "end_decision_number"])
    return listing


@dataclass
class ImportReport:
    added: list[BoundaryFreeListing] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # "code (decision)" already recorded: left as they are
    problems: list[str] = field(default_factory=list)  # nothing is written when there is any

    @property
    def ok(self) -> bool:
        return not self.problems


def import_listings(province, filename: str, raw: bytes, *, decision_number: str = "", decision_date: dt.date | None = None,
                    actor=None) -> ImportReport:
    """Import a published list (CSV or Excel: procedure codes, with the decision number and date per row or for the
    whole file). All or nothing: any problem (an unknown code, a bad date, a procedure listed twice) is reported by
    line and nothing is written; rows already recorded with the same decision are reported and left alone."""
    report = ImportReport()
    _check_province(province)
    try:
        table = read_table(filename, raw)
    except ValueError as exc:
        report.problems.append(str(exc))
        return report
    parsed = parse_listing_rows(table, decision_number=decision_number, decision_date=decision_date)
    report.problems.extend(parsed.problems)
    procedures = {p.code: p for p in Procedure.objects.filter(code__in=[r.code for r in parsed.rows])}
    existing = {
        (code, number) for code, number in BoundaryFreeListing.objects.filter(province=province, procedure__code__in=list(procedures))
        .values_list("procedure__code", "decision_number")
    }
    todo = []
    for row in parsed.rows:
        procedure = procedures.get(row.code)
        if procedure is None:
            report.problems.append(_("Line %(line)s: there is no procedure with code %(code)s in the catalogue.") % {"line": row.line, "code": row.code})
        elif (row.code, row.decision_number) in existing:
            report.already.append(f"{row.code} ({row.decision_number})")
        else:
            todo.append((row, procedure))
    if report.problems:
        return report
    with transaction.atomic():
        for row, procedure in todo:
            try:
                report.added.append(add_listing(procedure, province, row.decision_number, row.decision_date, row.valid_from, actor=actor))
            except ValidationError as error:
                report.problems.append(_("Line %(line)s: %(problem)s") % {"line": row.line, "problem": " ".join(error.messages)})
        if report.problems:
            report.added = []
            transaction.set_rollback(True)
    return report
