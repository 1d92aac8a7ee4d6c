"""Bulk history for benchmarks and sizing: N dossiers of one province over months or years, written straight into the tables.

The services write one dossier per transaction with its locks, counters and notifications (~ hundreds per
second); a benchmark of a million dossiers cannot wait for that, so this module plays each dossier's life as
the services would (the same actions in an order the state table allows, the same cached fields in each
event's data["set"], the same due-time arithmetic on the province's working calendar) and inserts the rows in
batches: COPY on PostgreSQL, executemany on SQLite. `verify_dossiers` accepts the result (the events rebuild
every cached field) and so must `rebuild_indices --check`. What is left out on purpose: workflow steps (the
dossier has no current step), documents, notifications and feedback threads (PAKN) — none of them feeds the
dossier rollups, and each would multiply the rows.

The mix, per dossier received (roughly): 35% online (2% of those not accepted), 3% by post; 10% get a request
to complete (1.5% of all a second one, which makes them late); dossiers of procedures with fees pay them
(70% online when filed online, 20% otherwise); ~6% finish after the due time on top of those, a third of
the late ones with an apology and new appointment; 2% withdrawn, 1% refused, 0.3% stopped; 95% of results
handed over, a third of those rated. Intake volume follows the working days with a seasonal swing.

    setup_place()            # once: a province's real communes + 20 departments, the starter catalogue, staff
    generate(n, progress=…)  # any number of times: appends n more dossiers

Every dossier also gets its processing step (waiting, active or done, as the services leave it) and its national
portal sync row; a sample of dossiers gets feedback (PAKN) through the feedback service.

Scale (issue 7): ids are given per dossier (dossier i owns a fixed range of ids in every table), and the random
draws are seeded per block of dossiers, so the rows do not depend on how many processes write them (`jobs`);
on PostgreSQL `jobs` processes COPY in parallel and, when the tables are empty, the secondary indexes are dropped
during the load and built once at the end (the standard bulk-load order: one sort per index instead of millions of
inserts into it). `congvu manage generate` is the command; bench/generate.py re-exports this module.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

PROVINCE_CODE = "66"  # Đắk Lắk: 102 communes since 1 July 2025
DEPARTMENTS = [
    "Sở Tư pháp", "Sở Tài chính", "Sở Xây dựng", "Sở Công Thương", "Sở Nông nghiệp và Môi trường",
    "Sở Giáo dục và Đào tạo", "Sở Y tế", "Sở Nội vụ", "Sở Khoa học và Công nghệ", "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Dân tộc và Tôn giáo", "Sở Ngoại vụ", "Ban Quản lý các khu công nghiệp", "Công an tỉnh", "Thanh tra tỉnh",
    "Văn phòng UBND tỉnh", "Bảo hiểm xã hội tỉnh", "Cục Thuế tỉnh", "Kho bạc Nhà nước tỉnh", "Sở Lao động (bộ phận)",
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "H'", "Y"]
GIVEN = ["Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thị Hoa", "Hữu Khánh", "Thị Lan", "Đức Minh", "Thị Nga",
         "Văn Phúc", "Thanh Tâm", "Ngọc Trâm", "Xuân Vinh", "H'Hen Niê", "Y Moan"]
DEFAULT_FEES = [15_000, 20_000, 30_000, 50_000, 100_000, 200_000, 500_000]


@dataclass
class Place:
    province: object
    communes: list
    departments: list
    officer: object
    commune_versions: list  # (version, has_fee, fee_amount)
    province_versions: list
    calendar: object
    leader: object = None
    unit_staff: dict = field(default_factory=dict)  # unit id → (officer, leader)

    def officer_of(self, unit):
        return self.unit_staff.get(unit.pk, (self.officer, self.leader))[0]


@dataclass
class Stats:
    dossiers: int = 0
    events: int = 0
    rows: int = 0
    seconds: float = 0.0
    by_state: dict = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.dossiers / self.seconds if self.seconds else 0.0


# -- the place ---------------------------------------------------------------------------------------------------

def setup_place(province_code: str = PROVINCE_CODE, departments: int = 20, communes: int | None = None) -> Place:
    """The real unit tree of one province (units.services.import_province) plus departments, the starter
    catalogue with the demo completion rules (time limits, fees), an officer and a leader per unit and for the province.
    Safe to call again: everything is looked up before it is created. `communes` keeps only the first ones
    (small tests)."""
    from congvu.catalog import selectors as catalog_selectors
    from congvu.catalog import services as catalog_services
    from congvu.catalog.models import ImplementingLevel, ProcedureVersion
    from congvu.units import services as units
    from congvu.units.models import Role, Unit, UnitKind
    from congvu.workcal.services import calendar_for

    province = Unit.objects.filter(code=province_code).first() or units.import_province(province_code).province
    commune_units = list(Unit.objects.get_children(province).filter(kind=UnitKind.COMMUNE).order_by("code"))
    if communes is not None:
        commune_units = commune_units[:communes]
    depts = []
    for i, name in enumerate(DEPARTMENTS[:departments], start=1):
        code = f"{province.code}.S{i:02d}"  # a dossier-code prefix: letters, digits, dots (codes.py)
        depts.append(Unit.objects.filter(code=code).first() or units.add_unit(name, UnitKind.DEPARTMENT, code, parent=province))

    if not ProcedureVersion.objects.exists():
        catalog_services.import_starter_catalog(effective_from=dt.date(2024, 1, 1))
        catalog_services.apply_demo_completion_rules()
    from django.contrib.auth import get_user_model

    def staff(username: str, full_name: str, unit, role: str):
        user = get_user_model().objects.filter(username=username).first()
        return user or units.create_staff_member(username, full_name, unit, role, password=None).user

    officer = staff("bench-officer", "Cán bộ một cửa (dữ liệu thử)", province, Role.ONE_STOP_OFFICER)
    leader = staff("bench-leader", "Lãnh đạo tỉnh (dữ liệu thử)", province, Role.UNIT_LEADER)
    # Each unit's own one-stop officer or specialist (who acts on its dossiers and sees its worklist) and leader
    # (who answers its feedback); no password: these accounts cannot sign in until an administrator sets one.
    unit_staff = {}
    for i, unit in enumerate([*commune_units, *depts]):
        role = Role.ONE_STOP_OFFICER if unit.kind == UnitKind.COMMUNE else Role.SPECIALIST
        unit_staff[unit.pk] = (
            staff(f"bench-{unit.code}-officer", f"{SURNAMES[i % len(SURNAMES)]} {GIVEN[i % len(GIVEN)]}", unit, role),
            staff(f"bench-{unit.code}-leader", f"{SURNAMES[(i + 3) % len(SURNAMES)]} {GIVEN[(i + 5) % len(GIVEN)]}", unit, Role.UNIT_LEADER),
        )

    versions = {ImplementingLevel.COMMUNE: [], ImplementingLevel.PROVINCE: []}
    for version in catalog_selectors.current_versions().prefetch_related("levels", "fees"):
        if not version.has_usable_time_limit:
            continue
        amounts = [f.amount_vnd for f in version.fees.all()]
        has_fee = any(a is None or a > 0 for a in amounts)
        amount = next((a for a in amounts if a), None)
        for level in version.levels.all():
            if level.level in versions:
                versions[level.level].append((version, has_fee, amount))
    if not versions[ImplementingLevel.COMMUNE] or not versions[ImplementingLevel.PROVINCE]:
        raise RuntimeError("the starter catalogue has no receivable procedure at commune or province level")
    return Place(province, commune_units, depts, officer, versions[ImplementingLevel.COMMUNE],
                 versions[ImplementingLevel.PROVINCE], calendar_for(province), leader, unit_staff)


# -- writing rows --------------------------------------------------------------------------------------------------

class Table:
    """One model's rows as tuples in column order, with ids given here so rows of other tables can point at
    them without a round trip."""

    def __init__(self, model, vendor: str):
        from django.db import models

        self.model = model
        self.name = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.rows: list[tuple] = []
        self.defaults = {}
        convert = {}
        for f in self.fields:
            if f.has_default():
                self.defaults[f.attname] = f.get_default()
            elif f.null:
                self.defaults[f.attname] = None
            elif isinstance(f, (models.CharField, models.TextField)):
                self.defaults[f.attname] = ""
            if isinstance(f, models.JSONField):
                convert[f.attname] = json.dumps
            elif isinstance(f, models.DateTimeField) and vendor == "sqlite":
                convert[f.attname] = _sqlite_datetime
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = None  # filled with the row's own time below
        self.auto_times = [f.attname for f in self.fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        self.convert = convert
        self.attnames = [f.attname for f in self.fields]

    def add(self, values: dict, now: dt.datetime) -> None:
        row = []
        for name in self.attnames:
            if name in values:
                value = values[name]
            elif name in self.auto_times:
                value = now
            else:
                value = self.defaults[name]  # KeyError: a required column the generator forgot
            if value is not None and name in self.convert:
                value = self.convert[name](value)
            row.append(value)
        self.rows.append(tuple(row))


def _sqlite_datetime(value: dt.datetime) -> str:
    # What Django's SQLite backend stores: naive UTC text.
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _flush(connection, tables: list[Table]) -> int:
    written = 0
    raw = connection.connection
    for table in tables:
        if not table.rows:
            continue
        cols = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {connection.ops.quote_name(table.name)} ({cols}) FROM STDIN") as copy:
                for row in table.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in table.columns)
            raw.executemany(f"INSERT INTO {connection.ops.quote_name(table.name)} ({cols}) VALUES ({marks})", table.rows)
        written += len(table.rows)
        table.rows.clear()
    return written


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reset_sequences(connection, models) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


# -- one dossier's life ----------------------------------------------------------------------------------------------

class _Life:
    """The events of one dossier as the services would append them: each action's changed cached fields."""

    def __init__(self, empty: dict, now: dt.datetime):
        self.cached = dict(empty)
        self.events: list[tuple[str, dt.datetime, str, str, dict, dict]] = []
        self.state = ""
        self.now = now
        self.frozen = False  # the story reached today: nothing after it has happened yet

    def act(self, action: str, at: dt.datetime, to_state: str | None = None, data: dict | None = None, **changes) -> bool:
        from congvu.dossiers.services.transitions import json_value

        if self.frozen or at > self.now:
            self.frozen = True
            return False
        to_state = to_state or self.state
        changes["state"] = to_state
        changed = {}
        for name, value in changes.items():
            value = json_value(value)
            if self.cached.get(name) != value:
                changed[name] = value
                self.cached[name] = value
        self.events.append((action, at, self.state, to_state, data or {}, changed))
        self.state = to_state
        return True


class Generator:
    def __init__(self, place: Place, *, months: int = 13, seed: int = 1, now: dt.datetime | None = None):
        from django.utils import timezone

        from congvu.dossiers.models import Dossier
        from congvu.dossiers.services.transitions import snapshot

        self.place = place
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.tz = place.calendar.tz
        self.empty = snapshot(Dossier())
        today = timezone.localtime(self.now, self.tz).date()
        first = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
        # Working days with a seasonal weight: busier before Tết and at the start of the school year.
        days, weights = [], []
        day = first
        while day <= today:
            if place.calendar.is_working_day(day):
                days.append(day)
                weights.append(1.0 + 0.35 * math.cos((day.month - 1) / 12 * 2 * math.pi) + (0.25 if day.month in (8, 9) else 0))
            day += dt.timedelta(days=1)
        self.days = days
        self.cum_days = _cumulative(weights)
        units = [(u, True) for u in place.communes] + [(u, False) for u in place.departments]
        # Unit sizes differ a lot: a town ward receives ten times what a mountain commune does.
        unit_weights = [self.rng.lognormvariate(0, 0.8) * (1.0 if is_commune else 2.0) for _u, is_commune in units]
        self.units = units
        self.cum_units = _cumulative(unit_weights)
        self.unit_quality = {u.pk: self.rng.uniform(0.4, 1.6) for u, _c in units}  # lateness multiplier per unit

    # instants ---------------------------------------------------------------------------------------
    def _office_instant(self, day: dt.date) -> dt.datetime:
        minutes = self.rng.randint(7 * 60 + 30, 16 * 60 + 30)
        return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), self.tz)

    def _latest(self) -> dt.datetime:
        # Filing instants drawn for today may lie ahead of now; every dossier has at least its first event.
        return self.now - dt.timedelta(minutes=self.rng.randint(1, 30))

    def _after(self, at: dt.datetime, working_days: float) -> dt.datetime:
        cal = self.place.calendar
        whole = int(working_days)
        result = cal.add_working_days(at, whole) if whole else at
        rest = working_days - whole
        if rest:
            result = cal.add_working_hours(result, Decimal(str(round(rest * 8, 2))))
        return result

    # one dossier ------------------------------------------------------------------------------------
    def life(self, unit, is_commune: bool, step_id: int | None = None) -> tuple:
        from congvu.dossiers.services import deadlines

        rng, cal = self.rng, self.place.calendar
        version, has_fee, fee = rng.choice(self.place.commune_versions if is_commune else self.place.province_versions)
        day = self.days[_pick(self.cum_days, rng.random())]
        roll = rng.random()
        channel = "online" if roll < 0.35 else "post" if roll < 0.38 else "counter"
        life = _Life(self.empty, self.now)
        extra_rows: list[tuple[str, dict]] = []

        if channel == "online":
            submitted = min(dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59)), self.tz), self._latest())
            life.act("submit_online", submitted, "submitted_online", {"channel": "online"},
                     current_unit_id=unit.pk, handling_unit_id=unit.pk)
            received = min(cal.next_working_instant(submitted) + dt.timedelta(minutes=rng.randint(5, 240)), self._after(submitted, 1))
            if rng.random() < 0.02:
                life.act("not_accept", received, "not_accepted")
                return self._finish(life, unit, version, channel, submitted, None, fee, extra_rows)
        else:
            received = min(self._office_instant(day), self._latest())
            submitted = received
        due = deadlines.due_from(version, cal, received)
        receive_changes = dict(current_unit_id=unit.pk, handling_unit_id=unit.pk, received_at=received,
                               clock_started_at=cal.next_working_instant(received), original_due_at=due, due_at=due)
        if not life.act("receive", received, "received", {"channel": channel}, **receive_changes):
            return self._finish(life, unit, version, channel, submitted, None, fee, extra_rows)
        t = received + dt.timedelta(minutes=rng.randint(5, 120))
        if not life.act("start_processing", t, "processing", {"step": 0}, current_step_id=step_id, current_unit_id=unit.pk):
            return self._finish(life, unit, version, channel, submitted, received, fee, extra_rows)
        limit_days = max(0.5, float((due - received).total_seconds()) / 86400 * 5 / 7)
        supplements = 0
        # A request to complete, sometimes a second one (which makes the dossier late: one request must list all).
        if rng.random() < 0.10:
            t = self._after(t, rng.uniform(0.2, min(3.0, limit_days)))
            supplements = 2 if rng.random() < 0.15 else 1
            for number in range(1, supplements + 1):
                t = self._supplement(life, version, unit, t, number, extra_rows)
        if has_fee and life.state == "processing":
            t = self._payment(life, version, channel, fee, t, extra_rows)
        if life.state != "processing":
            return self._finish(life, unit, version, channel, submitted, received, fee, extra_rows)

        due = dt.datetime.fromisoformat(life.cached["due_at"])
        outcome = rng.random()
        late_share = 0.065 * self.unit_quality[unit.pk]
        if outcome < 0.02:
            at = t + (due - t) * rng.random() if due > t else t + dt.timedelta(hours=1)
            if life.act("withdraw", at, "withdrawn", {"letter_number": "RUT"}, paused_at=None):
                extra_rows.append(("closure", {"kind": "withdrawn", "at": at}))
        elif outcome < 0.033:
            at = t + (due - t) * rng.random() if due > t else t + dt.timedelta(hours=1)
            kind = "refuse" if outcome < 0.03 else "stop"
            if self._classified(life, unit, at, kind, "refused" if kind == "refuse" else "stopped"):
                extra_rows.append(("closure", {"kind": "refused" if kind == "refuse" else "stopped", "at": at}))
        else:
            if rng.random() < late_share:
                if rng.random() < 0.33:  # the body saw it coming: apology with a new appointment (letter 04)
                    at = max(t, due - dt.timedelta(days=1))
                    new_due = self._after(due, rng.randint(2, 7))
                    if at < due and life.act("issue_apology", at, None, {}, due_at=new_due, extended=True):
                        extra_rows.append(("apology", {"previous_due_at": due, "new_due_at": new_due, "issued_at": at}))
                        due = new_due
                finished = self._after(due, rng.uniform(0.1, 8))
            else:
                span = (due - t).total_seconds()
                finished = t + dt.timedelta(seconds=span * min(1.0, rng.betavariate(2.5, 1.6))) if span > 0 else t
            if self._classified(life, unit, finished, "record_result", "result_ready"):
                electronic = rng.random() < 0.35 + 0.5 * (day - self.days[0]).days / max(1, (self.days[-1] - self.days[0]).days)
                extra_rows.append(("result", {"recorded_at": finished, "electronic": electronic, "name": version.name[:255]}))
                if rng.random() < 0.95:
                    returned = finished + dt.timedelta(hours=rng.uniform(0.5, 96))
                    method = "electronic" if electronic and channel == "online" else "post" if channel == "post" else "counter"
                    if life.act("return_result", returned, "returned", {"method": method}, returned_at=returned, return_method=method):
                        extra_rows.append(("returned", {"returned_at": returned, "method": method}))
                        if rng.random() < 0.33:
                            extra_rows.append(("rating", {"submitted_at": min(self.now, returned + dt.timedelta(hours=rng.uniform(0.1, 72)))}))
        return self._finish(life, unit, version, channel, submitted, received, fee, extra_rows)

    def _supplement(self, life: _Life, version, unit, t: dt.datetime, number: int, extra_rows) -> dt.datetime:
        from congvu.dossiers.services import deadlines

        cal, rng = self.place.calendar, self.rng
        if life.state != "processing":
            return t
        received = dt.datetime.fromisoformat(life.cached["received_at"])
        restarts = cal.working_days_between(received, t) <= 3
        if not life.act("request_supplement", t, "awaiting_supplement", {"items": ["Giấy tờ bổ sung"], "restarts_clock": restarts, "number": number},
                        supplement_count=number, paused_at=t):
            return t
        back = t + dt.timedelta(hours=rng.uniform(2, 24 * 12))
        extra = {"number": number, "restarts_clock": restarts, "requested_at": t, "fulfilled_at": None}
        extra_rows.append(("supplement", extra))
        if restarts:
            changes = dict(clock_started_at=cal.next_working_instant(back), due_at=deadlines.due_from(version, cal, back))
            data = {"number": number, "restarted": True, "paused_seconds": None}
        else:
            paused = cal.working_time_between(t, back)
            due = dt.datetime.fromisoformat(life.cached["due_at"])
            changes = dict(due_at=deadlines.shift(cal, due, paused))
            data = {"number": number, "restarted": False, "paused_seconds": int(paused.total_seconds())}
        if life.act("receive_supplement", back, "processing", data, paused_at=None, **changes):
            extra["fulfilled_at"] = back
        return back + dt.timedelta(minutes=rng.randint(10, 600))

    def _payment(self, life: _Life, version, channel: str, fee, t: dt.datetime, extra_rows) -> dt.datetime:
        from congvu.dossiers.services import deadlines

        cal, rng = self.place.calendar, self.rng
        t = t + dt.timedelta(minutes=rng.randint(10, 240))
        amount = fee or rng.choice(DEFAULT_FEES)
        if not life.act("request_payment", t, "awaiting_payment", {"amount_vnd": amount}, paused_at=t):
            return t
        paid = t + dt.timedelta(hours=rng.uniform(0.05, 48))
        online = rng.random() < (0.7 if channel == "online" else 0.2)
        row = {"amount_vnd": amount, "requested_at": t, "paid_at": None, "paid_online": False}
        extra_rows.append(("payment", row))
        paused = cal.working_time_between(t, paid)
        due = dt.datetime.fromisoformat(life.cached["due_at"])
        if life.act("confirm_payment", paid, "processing", {"restarted": False, "paused_seconds": int(paused.total_seconds())},
                    paused_at=None, due_at=deadlines.shift(cal, due, paused)):
            row.update(paid_at=paid, paid_online=online)
        return paid + dt.timedelta(minutes=rng.randint(5, 120))

    def _classified(self, life: _Life, unit, at: dt.datetime, action: str, to_state: str) -> bool:
        """results.classify: late after the due time, after an apology, or after a second request to complete."""
        due = dt.datetime.fromisoformat(life.cached["due_at"])
        late = at > due or life.cached["extended"] or life.cached["supplement_count"] > 1
        if late:
            timeliness = "late"
        elif at.astimezone(self.tz).date() < due.astimezone(self.tz).date():
            timeliness = "early"
        else:
            timeliness = "on_time"
        data = {"timeliness": timeliness} if action == "record_result" else {"letter_number": "QĐ"}
        return life.act(action, at, to_state, data, finished_at=at, timeliness=timeliness, late_unit_id=unit.pk if late else None,
                 current_step_id=None, paused_at=None)

    def _finish(self, life: _Life, unit, version, channel, submitted, received, fee, extra_rows) -> tuple:
        return unit, version, channel, submitted, received, life, extra_rows


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return [c / total for c in out]


def _pick(cumulative: list[float], r: float) -> int:
    import bisect

    return min(bisect.bisect_left(cumulative, r), len(cumulative) - 1)


# -- the bulk write --------------------------------------------------------------------------------------------------

BLOCK = 5000  # dossiers per random seed, per transaction and per COPY
# The ids each dossier owns in each table: dossier i of a run takes ids base + i * width .. + width - 1. At most
# 11 events per dossier (online filing, receipt, start, two requests to complete with their answers, a payment
# request and its confirmation, an apology, the result and its return).
ID_WIDTH = {"Applicant": 1, "Dossier": 1, "DossierEvent": 12, "DossierStep": 1, "SupplementRequest": 2, "PaymentRequest": 1,
            "Apology": 1, "Closure": 1, "DossierResult": 1, "Rating": 1, "RatingAnswer": 8, "PortalSync": 1}
STEP_NAME = "Giải quyết hồ sơ"
FINISHED = ("result_ready", "returned", "refused", "stopped")


def _models():
    from congvu.dossiers.models import (
        Apology, Applicant, Closure, Dossier, DossierEvent, DossierResult, DossierStep, PaymentRequest, SupplementRequest,
    )
    from congvu.feedback.models import Rating, RatingAnswer
    from congvu.sync.models import PortalSync

    return [Applicant, Dossier, DossierEvent, DossierStep, SupplementRequest, PaymentRequest, Apology, Closure, DossierResult,
            Rating, RatingAnswer, PortalSync]


@dataclass
class _Run:
    """What every writer process needs, fixed before the first row: the place, the seed, the clock, the id bases."""

    place: Place
    n: int
    months: int
    seed: int
    now: dt.datetime
    bases: dict
    fast: bool


def generate(place: Place, n: int, *, months: int = 13, seed: int = 1, batch: int = BLOCK, now: dt.datetime | None = None,
             progress: Callable[[int, int], None] | None = None, fast: bool = True, jobs: int = 1,
             defer_indexes: bool | None = None, index_progress: Callable[[int, int], None] | None = None) -> Stats:
    """Append n dossiers (with applicants, events, steps, requests to complete, payments, apologies, closures,
    results, ratings and sync rows) to the database, block by block, one transaction per block. `fast`
    (PostgreSQL, superuser): no foreign-key trigger per inserted row. `jobs` writer processes (PostgreSQL only;
    SQLite has one writer). `defer_indexes` (default: when the tables are empty, PostgreSQL): drop the secondary
    indexes for the load and build them at the end."""
    from django.db import connection, connections
    from django.utils import timezone

    started = time.perf_counter()
    models = _models()
    now = now or timezone.now()
    run = _Run(place, n, months, seed, now, {m.__name__: _next_id(m) for m in models}, fast)
    stats = Stats()
    jobs = max(1, jobs if connection.vendor == "postgresql" else 1)
    if defer_indexes is None:
        # Not inside a caller's transaction: PostgreSQL refuses to drop an index of a table with pending trigger
        # events, and a test's rows must not outlive its rollback anyway.
        defer_indexes = (connection.vendor == "postgresql" and not connection.in_atomic_block
                         and not any(m.objects.exists() for m in models))
    _ensure_partitions(Generator(place, months=months, seed=seed, now=now))
    restore = _drop_secondary_indexes(connection, models) if defer_indexes else []
    try:
        _load(run, n, batch, jobs, stats, progress)
    finally:
        # Also after a failed load: a table left without its unique constraints would take duplicates for ever.
        if restore:
            _restore_indexes(connection, restore, [m._meta.db_table for m in models], progress=index_progress)
    _reset_sequences(connection, models)
    stats.seconds = time.perf_counter() - started
    return stats


def _load(run: _Run, n: int, batch: int, jobs: int, stats: Stats, progress) -> None:
    from django.db import connections

    blocks = list(range(0, n, batch))
    if jobs == 1:
        for lo in blocks:
            _write_block(run, lo, min(batch, n - lo), stats)
            if progress is not None:
                progress(stats.dossiers, n)
    else:
        import multiprocessing

        connections.close_all()  # a forked child must not share the parent's socket
        ctx = multiprocessing.get_context("fork")
        done_queue = ctx.Queue()
        workers = [ctx.Process(target=_writer, args=(run, blocks[j::jobs], batch, done_queue), daemon=True) for j in range(jobs)]
        for w in workers:
            w.start()
        finished = 0
        while finished < len(workers):
            message = done_queue.get()
            if message[0] == "block":
                _kind, count, events, by_state = message
                stats.dossiers += count
                stats.events += events
                for state, c in by_state.items():
                    stats.by_state[state] = stats.by_state.get(state, 0) + c
                if progress is not None:
                    progress(stats.dossiers, n)
            elif message[0] == "error":
                for w in workers:
                    w.terminate()
                raise RuntimeError(f"a writer process failed:\n{message[1]}")
            else:
                stats.rows += message[1]
                finished += 1
        for w in workers:
            w.join()


def _writer(run: _Run, starts: list[int], batch: int, done_queue) -> None:
    import traceback

    from django.db import connection

    try:
        connection.close()
        stats = Stats()
        for lo in starts:
            before = (stats.dossiers, stats.events, dict(stats.by_state))
            _write_block(run, lo, min(batch, run.n - lo), stats)
            by_state = {k: v - before[2].get(k, 0) for k, v in stats.by_state.items() if v - before[2].get(k, 0)}
            done_queue.put(("block", stats.dossiers - before[0], stats.events - before[1], by_state))
        done_queue.put(("done", stats.rows))
        connection.close()
    except BaseException:  # the parent must hear of it, or it would wait for ever
        done_queue.put(("error", traceback.format_exc()))


def _write_block(run: _Run, lo: int, size: int, stats: Stats) -> None:
    """Dossiers lo .. lo+size-1 of the run, in one transaction. The block's own seed makes its rows the same
    whichever process writes it."""
    from django.db import connection, transaction
    from django.utils import timezone

    from congvu.dossiers.services.numbering import unit_identifier
    from congvu.feedback.scoring import FACTORS, is_dislike, mean_score
    from congvu.feedback.services import scheme_in_force
    from congvu.sync.models import SyncState

    place = run.place
    gen = _generator_for(run)
    gen.rng = random.Random(run.seed * 1_000_003 + lo)
    models = _models()
    tables = {m.__name__: Table(m, connection.vendor) for m in models}
    scheme = _scheme_cache.get(run.now) or _scheme_cache.setdefault(run.now, scheme_in_force(timezone.localdate(run.now)))
    rules = scheme.rules()
    wall_now = timezone.now()

    for i in range(lo, lo + size):
        ids = {name: run.bases[name] + i * width for name, width in ID_WIDTH.items()}
        counters = dict.fromkeys(ID_WIDTH, 0)

        def take(name: str) -> int:
            assert counters[name] < ID_WIDTH[name], name
            counters[name] += 1
            return ids[name] + counters[name] - 1

        unit, is_commune = gen.units[_pick(gen.cum_units, gen.rng.random())]
        officer_user = place.officer_of(unit)
        officer, officer_name = officer_user.pk, officer_user.get_full_name() or officer_user.get_username()
        step_id = ids["DossierStep"]
        unit, version, channel, submitted, received, life, extra_rows = gen.life(unit, is_commune, step_id)
        applicant_id = take("Applicant")
        name = f"{gen.rng.choice(SURNAMES)} {gen.rng.choice(GIVEN)}"
        personal_id = f"{gen.rng.randrange(10**11, 10**12):012d}"
        tables["Applicant"].add({"id": applicant_id, "kind": "citizen", "full_name": name, "personal_id": personal_id}, wall_now)
        dossier_id = take("Dossier")
        # The Circular 04/2025 shape (two digits of the issuing system, then at least four): "99" marks generated
        # data, and the dossier id makes it unique without the per-day counters a live intake takes.
        code = f"{unit_identifier(unit)}-{timezone.localtime(submitted, gen.tz):%y%m%d}-99{dossier_id:06d}"
        cached = life.cached
        row = {
            "id": dossier_id, "code": code, "procedure_version_id": version.pk, "receiving_unit_id": unit.pk,
            "handling_unit_id": cached["handling_unit_id"], "current_unit_id": cached["current_unit_id"],
            "current_step_id": cached["current_step_id"], "applicant_id": applicant_id, "channel": channel, "copies": 1,
            "state": life.state, "lock_version": len(life.events), "event_count": len(life.events), "submitted_at": submitted,
            "received_at": received if cached["received_at"] else None, "received_by_id": officer if cached["received_at"] else None,
            "supplement_count": cached["supplement_count"], "extended": cached["extended"], "timeliness": cached["timeliness"],
            "late_unit_id": cached["late_unit_id"], "return_method": cached["return_method"],
            "result_on_the_spot": version.result_on_the_spot, "search_text": f"{code} {name} {personal_id}".lower(),
        }
        for name_ in ("clock_started_at", "original_due_at", "due_at", "paused_at", "finished_at", "returned_at"):
            row[name_] = dt.datetime.fromisoformat(cached[name_]) if cached[name_] else None
        for _extra, values in extra_rows:
            if _extra == "returned":
                row["returned_to"] = name if values["method"] != "electronic" else ""
                row["postal_tracking"] = f"EMS{dossier_id:09d}VN" if values["method"] == "post" else ""
        tables["Dossier"].add(row, wall_now)
        started_at = None
        for seq, (action, at, from_state, to_state, data, changed) in enumerate(life.events, start=1):
            if action == "start_processing":
                started_at = at
            tables["DossierEvent"].add({
                "id": take("DossierEvent"), "dossier_id": dossier_id, "seq": seq, "action": action, "actor_id": officer,
                "actor_name": officer_name, "at": at, "from_state": from_state, "to_state": to_state, "reason": "",
                "data": {**data, "set": changed},
            }, wall_now)
        if row["received_at"] is not None:
            # The one step of a procedure without a published workflow (intake.plan_steps): the deciding body, the
            # whole time limit; active from the start of processing, done when the result is recorded.
            finished_at = row["finished_at"] if life.state in FINISHED else None
            status = "done" if finished_at else "active" if started_at else "waiting"
            take("DossierStep")
            tables["DossierStep"].add({
                "id": step_id, "dossier_id": dossier_id, "position": 0, "name": STEP_NAME, "unit_id": unit.pk, "role": "",
                "assignee_id": officer if started_at else None, "share": Decimal(version.time_limit_value or 0), "status": status,
                "started_at": started_at, "due_at": row["due_at"], "finished_at": finished_at,
                "overran": bool(finished_at and row["due_at"] and finished_at > row["due_at"]),
            }, wall_now)
        for kind, values in extra_rows:
            if kind == "supplement":
                tables["SupplementRequest"].add({
                    "id": take("SupplementRequest"), "dossier_id": dossier_id, "number": values["number"], "items": ["Giấy tờ bổ sung"],
                    "reason": "", "restarts_clock": values["restarts_clock"], "letter_number": f"02/{dossier_id}-{values['number']}",
                    "requested_at": values["requested_at"], "requested_by_id": officer, "fulfilled_at": values["fulfilled_at"],
                }, wall_now)
            elif kind == "payment":
                tables["PaymentRequest"].add({
                    "id": take("PaymentRequest"), "dossier_id": dossier_id, "amount_vnd": values["amount_vnd"],
                    "description": "Phí, lệ phí", "requested_at": values["requested_at"], "paid_at": values["paid_at"],
                    "paid_online": values["paid_online"], "receipt_reference": f"BL{dossier_id}" if values["paid_at"] else "",
                }, wall_now)
            elif kind == "apology":
                tables["Apology"].add({
                    "id": take("Apology"), "dossier_id": dossier_id, "unit_id": unit.pk, "reason": "Hồ sơ cần xác minh thêm",
                    "previous_due_at": values["previous_due_at"], "new_due_at": values["new_due_at"], "letter_number": f"04/{dossier_id}",
                    "issued_at": values["issued_at"], "issued_by_id": officer,
                }, wall_now)
            elif kind == "closure":
                tables["Closure"].add({
                    "id": take("Closure"), "dossier_id": dossier_id, "kind": values["kind"], "reason": "Theo đề nghị",
                    "letter_number": f"QĐ/{dossier_id}", "at": values["at"], "by_id": officer,
                }, wall_now)
            elif kind == "result":
                tables["DossierResult"].add({
                    "id": take("DossierResult"), "dossier_id": dossier_id, "name": values["name"], "procedure_id": None, "file_id": None,
                    "electronic": values["electronic"], "recorded_at": values["recorded_at"], "returned_at": row["returned_at"],
                }, wall_now)
            elif kind == "rating":
                late = cached["timeliness"] == "late"
                scores = [max(1, min(5, round(gen.rng.gauss(3.2 if late else 4.3, 0.9)))) for _f in FACTORS]
                rating_id = take("Rating")
                tables["Rating"].add({
                    "id": rating_id, "dossier_id": dossier_id, "procedure_id": version.procedure_id, "receiving_unit_id": unit.pk,
                    "handling_unit_id": cached["handling_unit_id"], "officer_id": officer, "scheme_id": scheme.pk,
                    "submitted_at": values["submitted_at"],
                    "mean_score": Decimal(str(mean_score(scores))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                    "dislike": is_dislike(scores, rules), "dossier_timeliness": cached["timeliness"], "comment": "",
                }, wall_now)
                for factor, value in zip(FACTORS, scores):
                    tables["RatingAnswer"].add({"id": take("RatingAnswer"), "rating_id": rating_id, "question": factor.value, "value": value},
                                               wall_now)
        if row["received_at"] is not None:
            # The national portal sync (indicator 1.4): most dossiers acknowledged minutes after receipt, a few
            # failed and a few still waiting, as after an outage.
            r = gen.rng.random()
            state = SyncState.ACKNOWLEDGED if r < 0.95 else SyncState.FAILED if r < 0.98 else SyncState.PENDING
            acked = row["received_at"] + dt.timedelta(minutes=gen.rng.randrange(1, 30)) if state == SyncState.ACKNOWLEDGED else None
            tables["PortalSync"].add({
                "id": take("PortalSync"), "dossier_id": dossier_id, "state": state, "origin": "local", "attempts": int(state == SyncState.FAILED) * 10,
                "acked_seq": len(life.events) if acked else 0, "last_sent_at": acked, "last_acked_at": acked,
                "error_code": "-1" if state == SyncState.FAILED else "", "on_portal": bool(acked),
            }, wall_now)
        stats.events += len(life.events)
        stats.by_state[life.state] = stats.by_state.get(life.state, 0) + 1
    with transaction.atomic():
        if connection.vendor == "postgresql" and run.fast:
            # The ids are given here and consistent by construction: skip the per-row foreign-key triggers
            # (superuser only; this transaction only). The append-only triggers guard UPDATE/DELETE, not INSERT.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("SET LOCAL synchronous_commit = off")
        stats.rows += _flush(connection, list(tables.values()))
    stats.dossiers += size


_generators: dict = {}
_scheme_cache: dict = {}


def _generator_for(run: _Run) -> Generator:
    # The place's calendar, days and unit weights are built once per process and run.
    key = id(run)
    if key not in _generators:
        _generators.clear()
        _generators[key] = Generator(run.place, months=run.months, seed=run.seed, now=run.now)
    return _generators[key]


def _ensure_partitions(gen: Generator) -> None:
    """Monthly partitions of the events for the whole history and a little past today (events run weeks after
    receipt), when the events table is partitioned (PostgreSQL)."""
    try:
        from congvu.dossiers.partitions import ensure_event_partitions
    except ImportError:  # an older schema without partitioning
        return
    ensure_event_partitions(gen.days[0].replace(day=1), gen.days[-1] + dt.timedelta(days=62))


def _drop_secondary_indexes(connection, models) -> list[str]:
    """Drop every index and unique constraint of these tables but their primary keys; returns the statements that
    build them again. PostgreSQL: read from the catalogue, so whatever the migrations made comes back the same."""
    if connection.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in models]
    restore, drop = [], []
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE t.relname = ANY(%s) AND c.contype = 'u' AND c.conparentid = 0""", [tables])
        constraint_indexes = set()
        for table, name, definition in cursor.fetchall():
            drop.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            constraint_indexes.add(name)
        cursor.execute("""
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.oid)""", [tables])
        for name, definition in cursor.fetchall():
            if name in constraint_indexes:
                continue
            drop.append(f'DROP INDEX "{name}"')
            restore.append(definition.replace(" ON ONLY ", " ON "))
        for statement in drop:
            cursor.execute(statement)
    return restore


def _restore_indexes(connection, statements: list[str], tables: list[str], progress=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        for done, statement in enumerate(statements, start=1):
            cursor.execute(statement)
            if progress is not None:
                progress(done, len(statements))
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


# -- feedback (PAKN) through the service -------------------------------------------------------------------------------

def add_feedback(place: Place, count: int, *, seed: int = 1, now: dt.datetime | None = None) -> int:
    """`count` feedback items about dossiers' procedures, sent through the portal on the dossier's return (so the
    complaint share and indicator 5.x have data); the older ones accepted and answered by the unit's leader. Goes
    through `feedback.services`, so every deadline and event is the service's own: a few thousand, not millions."""
    from django.utils import timezone

    from congvu.dossiers.models import Dossier
    from congvu.feedback import services as feedback
    from congvu.feedback.models import Nature, SubjectKind

    rng = random.Random(seed)
    now = now or timezone.now()
    last = Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    made = 0
    tries = 0
    while made < count and tries < count * 20:
        tries += 1
        dossier = (Dossier.objects.filter(pk__gte=rng.randint(1, max(1, last)), returned_at__isnull=False)
                   .select_related("procedure_version__procedure", "handling_unit").order_by("pk").first())
        if dossier is None or dossier.returned_at > now:
            continue
        at = min(now, dossier.returned_at + dt.timedelta(hours=rng.uniform(1, 120)))
        late = dossier.timeliness == "late"
        item = feedback.submit_feedback(feedback.FeedbackInput(
            subject_kind=SubjectKind.PROCEDURE, unit=dossier.handling_unit, nature=Nature.REPORT,
            title="Hồ sơ giải quyết chậm" if late else "Thủ tục yêu cầu nhiều giấy tờ",
            content="Hồ sơ của tôi bị trả kết quả muộn so với giấy hẹn." if late else "Đề nghị giảm bớt giấy tờ phải nộp.",
            procedure=dossier.procedure_version.procedure, sender_name=f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}",
            dossier_code=dossier.code,
        ), at=at)
        made += 1
        if (now - at).days > 20:
            leader = place.unit_staff.get(item.responsible_unit_id, (None, place.leader))[1]
            item = feedback.accept_feedback(item, leader, at=at + dt.timedelta(days=1))
            feedback.answer_feedback(item, leader, "Đơn vị đã kiểm tra và trả lời.", at=at + dt.timedelta(days=rng.randint(2, 10)))
    return made
