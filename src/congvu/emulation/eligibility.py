"""Who qualifies for which emulation title or commendation, and why — pure Python, no Django.

The titles and their conditions are data (`data/titles_law_06_2022.json`, Law 06/2022/QH15 on emulation and
commendation, Decree 98/2023): `load_catalogue` checks the file and turns it into `TitleDef`s; `evaluate` takes
what the system recorded about the people of one unit for one year (their year-end rating from the evaluation,
discipline decided in the year, recognised initiatives, titles already awarded by recorded decisions) and returns,
for every person and title — and for the unit and every collective title — whether it qualifies, with one
Vietnamese sentence per condition met or failed. Nobody is left out silently: a "no" always says which condition
failed and with which figure.

Titles are evaluated in file order and may only refer to titles above them, so "Chiến sĩ thi đua cơ sở" reads the
"Lao động tiên tiến" verdicts of the same run (after the quota is applied), and collective titles read the members'
individual verdicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

# The year-end levels of the evaluation contract (congvu.evaluation.selectors.AnnualResult.level), worst first;
# "" is "not rated".
LEVELS = ("", "not_completed", "completed", "good", "excellent")
LEVEL_RANK = {code: i for i, code in enumerate(LEVELS)}
LEVEL_LABELS = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ", "good": "Hoàn thành tốt nhiệm vụ", "completed": "Hoàn thành nhiệm vụ",
    "not_completed": "Không hoàn thành nhiệm vụ", "": "chưa được xếp loại",
}
# How far an initiative's effect reaches (Law 06/2022: cơ sở, toàn tỉnh / bộ, toàn quốc).
SCOPES = ("unit", "province", "national")
SCOPE_RANK = {code: i for i, code in enumerate(SCOPES, start=1)}
SCOPE_LABELS = {"unit": "cơ sở", "province": "toàn tỉnh", "national": "toàn quốc"}
KINDS = ("individual", "collective")
CATEGORIES = ("title", "commendation")
ROUNDINGS = {"floor": ROUND_FLOOR, "ceil": ROUND_CEILING, "round": ROUND_HALF_UP}
OPS = {"gt": "trên", "gte": "từ"}

INDIVIDUAL_TYPES = {"rating_at_least", "no_discipline", "has_title", "initiative", "consecutive_titles"}
COLLECTIVE_TYPES = {"member_title_share", "member_rating_share", "member_title_count", "members_no_discipline", "consecutive_titles"}


class CatalogueError(ValueError):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


# ------------------------------------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class Condition:
    type: str
    level: str = ""
    years: int = 1
    min_severity: int = 0
    min_form_label: str = ""
    title: str = ""
    min_scope: str = ""
    count: int = 1
    op: str = "gte"
    share: Decimal = Decimal(0)


@dataclass(frozen=True)
class Quota:
    """At most `share` % of the unit's holders of `of_title` (rounded as said; at least one when anyone holds it)."""

    of_title: str
    share: Decimal
    rounding: str = "floor"
    at_least_one: bool = False
    note: str = ""

    def allowed(self, base: int) -> int:
        raw = (Decimal(base) * self.share / 100).quantize(Decimal(1), rounding=ROUNDINGS[self.rounding])
        allowed = int(raw)
        if self.at_least_one and base > 0:
            allowed = max(allowed, 1)
        return allowed

    def describe(self, title_name: str) -> str:
        rounding = {"floor": "làm tròn xuống", "ceil": "làm tròn lên", "round": "làm tròn"}[self.rounding]
        extra = ", tối thiểu 1 người" if self.at_least_one else ""
        return f"không quá {_num(self.share)}% số người đạt {title_name} của đơn vị ({rounding}{extra})"


@dataclass(frozen=True)
class TitleDef:
    code: str
    name: str
    kind: str
    category: str
    conferred_by: str
    conditions: tuple[Condition, ...]
    quota: Quota | None = None


@dataclass(frozen=True)
class Catalogue:
    name: str
    legal_basis: str
    notes: tuple[str, ...]
    titles: tuple[TitleDef, ...]

    def get(self, code: str) -> TitleDef | None:
        return next((t for t in self.titles if t.code == code), None)

    def name_of(self, code: str) -> str:
        found = self.get(code)
        return found.name if found else code

    @property
    def individual(self) -> tuple[TitleDef, ...]:
        return tuple(t for t in self.titles if t.kind == "individual")

    @property
    def collective(self) -> tuple[TitleDef, ...]:
        return tuple(t for t in self.titles if t.kind == "collective")

    def lookback(self) -> int:
        """How many years back (the evaluated year included) the conditions read ratings, initiatives and titles."""
        spans = [1]
        for t in self.titles:
            for c in t.conditions:
                spans.append(c.count if c.type == "consecutive_titles" else c.years)
        return max(spans)

    def describe(self, condition: Condition) -> str:
        """The condition as a Vietnamese sentence (for the titles page)."""
        return _describe(condition, self)


def _int(value, where: str, errors: list[str], minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        errors.append(f"{where}: cần một số nguyên từ {minimum} trở lên.")
        return minimum
    return value


def _share(value, where: str, errors: list[str]) -> Decimal:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(f"{where}: tỷ lệ phải là một số từ 0 đến 100.")
        return Decimal(0)
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(100):
        errors.append(f"{where}: tỷ lệ phải là một số từ 0 đến 100.")
        return Decimal(0)
    return share


def load_catalogue(data: Mapping, discipline_forms: Mapping[str, tuple[int, str]]) -> Catalogue:
    """Check the titles file and build the catalogue. `discipline_forms` maps a discipline form code to
    (severity, Vietnamese label), lightest = 1 (congvu.people's DISCIPLINE_FORMS). Every problem is reported
    at once, in Vietnamese."""
    errors: list[str] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("titles"), list) or not data["titles"]:
        raise CatalogueError(["Tệp cấu hình cần danh sách 'titles' không rỗng."])
    seen: dict[str, str] = {}  # code -> kind, of the titles above the one being read
    titles: list[TitleDef] = []
    for index, raw in enumerate(data["titles"], start=1):
        if not isinstance(raw, Mapping):
            errors.append(f"Danh hiệu thứ {index}: cần một đối tượng.")
            continue
        code = str(raw.get("code") or "").strip()
        where = f"Danh hiệu «{code or index}»"
        if not code:
            errors.append(f"Danh hiệu thứ {index}: thiếu mã.")
        elif code in seen:
            errors.append(f"{where}: mã bị trùng.")
        name = str(raw.get("name") or "").strip()
        if not name:
            errors.append(f"{where}: thiếu tên.")
        kind = raw.get("kind")
        if kind not in KINDS:
            errors.append(f"{where}: loại phải là 'individual' (cá nhân) hoặc 'collective' (tập thể).")
        category = raw.get("category", "title")
        if category not in CATEGORIES:
            errors.append(f"{where}: nhóm phải là 'title' (danh hiệu) hoặc 'commendation' (hình thức khen thưởng).")
        conditions = []
        raw_conditions = raw.get("conditions")
        if not isinstance(raw_conditions, list) or not raw_conditions:
            errors.append(f"{where}: cần ít nhất một điều kiện.")
            raw_conditions = []
        allowed = INDIVIDUAL_TYPES if kind == "individual" else COLLECTIVE_TYPES
        for n, rc in enumerate(raw_conditions, start=1):
            conditions.append(_condition(rc, f"{where}, điều kiện {n}", kind, allowed, seen, discipline_forms, errors))
        quota = None
        if raw.get("quota") is not None:
            quota = _quota(raw["quota"], where, kind, seen, errors)
        if code and code not in seen:
            seen[code] = kind
        titles.append(TitleDef(code=code, name=name, kind=kind if kind in KINDS else "individual", category=category,
                               conferred_by=str(raw.get("conferred_by") or ""), conditions=tuple(conditions), quota=quota))
    if errors:
        raise CatalogueError(errors)
    return Catalogue(name=str(data.get("name") or ""), legal_basis=str(data.get("legal_basis") or ""),
                     notes=tuple(str(n) for n in data.get("notes") or ()), titles=tuple(titles))


def _condition(rc, where, kind, allowed, seen, forms, errors) -> Condition:
    if not isinstance(rc, Mapping) or rc.get("type") not in allowed:
        kinds = ", ".join(sorted(allowed))
        errors.append(f"{where}: loại điều kiện không hợp lệ cho {'cá nhân' if kind == 'individual' else 'tập thể'} (dùng: {kinds}).")
        return Condition(type="invalid")
    ctype = rc["type"]
    values: dict = {"type": ctype}
    if ctype in ("rating_at_least", "member_rating_share"):
        if rc.get("level") not in LEVELS[1:]:
            errors.append(f"{where}: mức xếp loại phải là một trong {', '.join(LEVELS[1:])}.")
        values["level"] = rc.get("level") if rc.get("level") in LEVELS else ""
    if ctype in ("rating_at_least", "initiative"):
        values["years"] = _int(rc.get("years", 1), f"{where} (years)", errors)
    if ctype in ("no_discipline", "members_no_discipline"):
        form = rc.get("min_form")
        if form not in forms:
            errors.append(f"{where}: hình thức kỷ luật «{form}» không có trong danh mục ({', '.join(forms)}).")
        else:
            values["min_severity"], values["min_form_label"] = forms[form]
    if ctype in ("has_title", "consecutive_titles", "member_title_share", "member_title_count"):
        title = rc.get("title")
        want = "individual" if ctype in ("has_title", "member_title_share", "member_title_count") else kind
        if title not in seen or seen[title] != want:
            errors.append(f"{where}: danh hiệu «{title}» phải là danh hiệu {'cá nhân' if want == 'individual' else 'tập thể'} khai báo ở trên.")
        values["title"] = str(title or "")
    if ctype == "initiative":
        if rc.get("min_scope") not in SCOPES:
            errors.append(f"{where}: phạm vi sáng kiến phải là một trong {', '.join(SCOPES)}.")
        values["min_scope"] = rc.get("min_scope") if rc.get("min_scope") in SCOPES else "unit"
        values["count"] = _int(rc.get("count", 1), f"{where} (count)", errors)
    if ctype == "consecutive_titles":
        values["count"] = _int(rc.get("count", 2), f"{where} (count)", errors)
    if ctype == "member_title_count":
        values["count"] = _int(rc.get("min", 1), f"{where} (min)", errors)
    if ctype in ("member_title_share", "member_rating_share"):
        if rc.get("op", "gte") not in OPS:
            errors.append(f"{where}: phép so sánh phải là 'gt' (trên) hoặc 'gte' (từ).")
        values["op"] = rc.get("op", "gte") if rc.get("op", "gte") in OPS else "gte"
        values["share"] = _share(rc.get("share"), where, errors)
    return Condition(**values)


def _quota(raw, where, kind, seen, errors) -> Quota | None:
    if kind != "individual" or not isinstance(raw, Mapping):
        errors.append(f"{where}: tỷ lệ (quota) chỉ áp dụng cho danh hiệu cá nhân và phải là một đối tượng.")
        return None
    of_title = raw.get("of_title")
    if seen.get(of_title) != "individual":
        errors.append(f"{where}: tỷ lệ phải tính trên một danh hiệu cá nhân khai báo ở trên.")
    rounding = raw.get("rounding", "floor")
    if rounding not in ROUNDINGS:
        errors.append(f"{where}: cách làm tròn phải là floor, ceil hoặc round.")
        rounding = "floor"
    return Quota(of_title=str(of_title or ""), share=_share(raw.get("share"), f"{where} (quota)", errors), rounding=rounding,
                 at_least_one=bool(raw.get("at_least_one", False)), note=str(raw.get("note") or ""))


# ------------------------------------------------------------------------------------------------ facts


@dataclass(frozen=True)
class RatingFact:
    level: str
    label: str = ""
    points: Decimal | None = None
    provisional: bool = False

    @property
    def text(self) -> str:
        label = self.label or LEVEL_LABELS.get(self.level, self.level)
        return f"{label} (tạm tính)" if self.provisional and self.level else label


@dataclass(frozen=True)
class DisciplineFact:
    severity: int
    label: str        # the form, e.g. "Khiển trách"
    text: str = ""    # e.g. "quyết định số 12/QĐ-UBND ngày 03/04/2026"


@dataclass(frozen=True)
class InitiativeFact:
    year: int
    scope: str
    title: str
    decision: str = ""


@dataclass(frozen=True)
class PersonFacts:
    user_id: int
    name: str
    ratings: Mapping[int, RatingFact] = field(default_factory=dict)          # by year
    discipline: tuple[DisciplineFact, ...] = ()                              # decided in the evaluated year
    initiatives: tuple[InitiativeFact, ...] = ()                             # recognised ones
    past_titles: Mapping[int, frozenset[str]] = field(default_factory=dict)  # earlier years, from recorded decisions


@dataclass(frozen=True)
class CollectiveFacts:
    unit_id: int
    name: str
    past_titles: Mapping[int, frozenset[str]] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ verdicts


@dataclass(frozen=True)
class Check:
    met: bool
    text: str


@dataclass(frozen=True)
class Verdict:
    title: str
    title_name: str
    qualifies: bool
    checks: tuple[Check, ...]
    provisional: bool = False

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.text for c in self.checks)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(c.text for c in self.checks if not c.met)


@dataclass(frozen=True)
class Outcome:
    year: int
    people: Mapping[int, Mapping[str, Verdict]]
    unit: Mapping[str, Verdict]

    def qualified(self, title: str) -> list[int]:
        return [uid for uid, verdicts in self.people.items() if title in verdicts and verdicts[title].qualifies]


def evaluate(catalogue: Catalogue, year: int, people: Sequence[PersonFacts], unit: CollectiveFacts | None = None) -> Outcome:
    """Every person against every individual title, then the unit against every collective title."""
    verdicts: dict[int, dict[str, Verdict]] = {p.user_id: {} for p in people}
    for title in catalogue.individual:
        checks = {p.user_id: [_check_person(c, p, year, verdicts[p.user_id], catalogue) for c in title.conditions] for p in people}
        if title.quota is not None:
            _apply_quota(title, catalogue, people, year, checks, verdicts)
        for p in people:
            rating = p.ratings.get(year)
            verdicts[p.user_id][title.code] = Verdict(
                title=title.code, title_name=title.name, qualifies=all(c.met for c in checks[p.user_id]),
                checks=tuple(checks[p.user_id]), provisional=bool(rating and rating.provisional),
            )
    unit_verdicts: dict[str, Verdict] = {}
    if unit is not None:
        for title in catalogue.collective:
            checks = [_check_unit(c, unit, people, year, verdicts, unit_verdicts, catalogue) for c in title.conditions]
            provisional = any(p.ratings.get(year) is not None and p.ratings[year].provisional for p in people)
            unit_verdicts[title.code] = Verdict(title=title.code, title_name=title.name, qualifies=all(c.met for c in checks),
                                                checks=tuple(checks), provisional=provisional)
    return Outcome(year=year, people=verdicts, unit=unit_verdicts)


def _rank_key(person: PersonFacts, year: int):
    """Order among those who qualify when a quota bites: better year-end level, then more points, then name."""
    rating = person.ratings.get(year)
    level = LEVEL_RANK.get(rating.level, 0) if rating else 0
    points = rating.points if rating is not None and rating.points is not None else Decimal("-1")
    return (-level, -points, person.name, person.user_id)


def _apply_quota(title: TitleDef, catalogue: Catalogue, people, year, checks, verdicts) -> None:
    quota = title.quota
    base = sum(1 for p in people if verdicts[p.user_id][quota.of_title].qualifies)
    allowed = quota.allowed(base)
    eligible = sorted((p for p in people if all(c.met for c in checks[p.user_id])), key=lambda p: _rank_key(p, year))
    rule = quota.describe(catalogue.name_of(quota.of_title))
    for rank, p in enumerate(eligible, start=1):
        where = f"xếp thứ {rank}/{len(eligible)} người đủ điều kiện (theo mức xếp loại, rồi điểm năm)"
        if rank <= allowed:
            checks[p.user_id].append(Check(True, f"Trong tỷ lệ: {where}; đơn vị được {allowed} suất — {rule}."))
        else:
            checks[p.user_id].append(Check(False, f"Vượt tỷ lệ: {where}; đơn vị chỉ được {allowed} suất — {rule}."))


# ------------------------------------------------------------------------------------------------ conditions


def _num(value: Decimal) -> str:
    """2 decimals at most, Vietnamese decimal comma."""
    text = f"{value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _at_least(level: str) -> str:
    label = LEVEL_LABELS[level]
    return f"«{label}»" if level == LEVELS[-1] else f"từ «{label}» trở lên"


def _years(first: int, last: int) -> str:
    return f"năm {last}" if first == last else f"các năm {first}–{last}"


def _check_person(c: Condition, p: PersonFacts, year: int, mine: Mapping[str, Verdict], catalogue: Catalogue) -> Check:
    if c.type == "rating_at_least":
        parts, ok = [], True
        for y in range(year - c.years + 1, year + 1):
            rating = p.ratings.get(y)
            if rating is None or not rating.level:
                ok = False
                parts.append(f"năm {y} chưa được xếp loại")
            else:
                ok = ok and LEVEL_RANK[rating.level] >= LEVEL_RANK[c.level]
                parts.append(f"năm {y}: {rating.text}")
        need = f"cần {_at_least(c.level)}" + (f" {c.years} năm liên tục" if c.years > 1 else "")
        return Check(ok, f"Xếp loại {'; '.join(parts)} — {need}: {'đạt' if ok else 'chưa đạt'}.")
    if c.type == "no_discipline":
        return _discipline_check(c, [(p.name, d) for d in p.discipline], year, collective=False)
    if c.type == "has_title":
        name = catalogue.name_of(c.title)
        if mine[c.title].qualifies:
            return Check(True, f"Đạt điều kiện danh hiệu {name} năm {year}.")
        return Check(False, f"Chưa đạt điều kiện danh hiệu {name} năm {year}.")
    if c.type == "initiative":
        first = year - c.years + 1
        in_window = [i for i in p.initiatives if first <= i.year <= year]
        good = [i for i in in_window if SCOPE_RANK.get(i.scope, 0) >= SCOPE_RANK[c.min_scope]]
        scope = f"phạm vi ảnh hưởng từ {SCOPE_LABELS[c.min_scope]} trở lên" if c.min_scope != SCOPES[-1] else f"phạm vi ảnh hưởng {SCOPE_LABELS[c.min_scope]}"
        if len(good) >= c.count:
            listed = "; ".join(f"«{i.title}» ({SCOPE_LABELS.get(i.scope, i.scope)}, {i.year}{', ' + i.decision if i.decision else ''})" for i in good)
            return Check(True, f"Có {len(good)} sáng kiến được công nhận, {scope}, trong {_years(first, year)}: {listed}.")
        lower = len(in_window) - len(good)
        extra = f"; có {lower} sáng kiến phạm vi hẹp hơn" if lower else ""
        return Check(False, f"Có {len(good)} sáng kiến được công nhận, {scope}, trong {_years(first, year)} — cần {c.count}{extra}.")
    if c.type == "consecutive_titles":
        return _consecutive(c, mine.get(c.title), p.past_titles, year, catalogue)
    raise ValueError(c.type)


def _consecutive(c: Condition, current: Verdict | None, past: Mapping[int, frozenset[str]], year: int, catalogue: Catalogue) -> Check:
    """The title this year (this run's verdict) and in the years just before (recorded decisions), unbroken."""
    name = catalogue.name_of(c.title)
    if current is None or not current.qualifies:
        held = sorted(y for y, codes in past.items() if c.title in codes and y < year)
        history = f" (đã đạt các năm: {', '.join(map(str, held))})" if held else ""
        return Check(False, f"Năm {year} chưa đạt {name}, nên chưa đủ {c.count} năm liên tục{history}.")
    years = [year]
    while len(years) < c.count and c.title in past.get(years[-1] - 1, frozenset()):
        years.append(years[-1] - 1)
    chain = ", ".join(map(str, sorted(years)))
    if len(years) >= c.count:
        return Check(True, f"Đạt {name} {c.count} năm liên tục: {chain} (các năm trước theo quyết định khen thưởng đã ghi nhận).")
    return Check(False, f"Chỉ đạt {name} {len(years)} năm liên tục ({chain}) — cần {c.count} năm (các năm trước theo quyết định khen thưởng đã ghi nhận).")


def _discipline_check(c: Condition, records: list[tuple[str, DisciplineFact]], year: int, *, collective: bool) -> Check:
    heavy = [(who, d) for who, d in records if d.severity >= c.min_severity]
    form = "" if c.min_severity <= 1 else f" từ hình thức {c.min_form_label} trở lên"
    if heavy:
        listed = "; ".join(f"{who + ': ' if collective else ''}{d.label}{' — ' + d.text if d.text else ''}" for who, d in heavy)
        lead = f"{len({who for who, _d in heavy})} thành viên bị kỷ luật{form}" if collective else f"Bị kỷ luật{form}"
        return Check(False, f"{lead} trong năm {year}: {listed}.")
    lighter = len(records)
    extra = f" (có {lighter} kỷ luật nhẹ hơn)" if lighter else ""
    who = "Không thành viên nào bị kỷ luật" if collective else "Không bị kỷ luật"
    return Check(True, f"{who}{form} trong năm {year}{extra}.")


def _share_check(n: int, total: int, op: str, share: Decimal, what: str) -> Check:
    actual = Decimal(n) * 100 / total if total else Decimal(0)
    ok = total > 0 and (actual > share if op == "gt" else actual >= share)
    need = f"cần {OPS[op]} {_num(share)}%"
    return Check(ok, f"{n}/{total} thành viên ({_num(actual)}%) {what} — {need}: {'đạt' if ok else 'chưa đạt'}.")


def _check_unit(c: Condition, unit: CollectiveFacts, people, year, verdicts, unit_verdicts, catalogue) -> Check:
    total = len(people)
    if c.type != "consecutive_titles" and total == 0:
        return Check(False, "Đơn vị chưa có thành viên nào để xét.")
    if c.type == "member_title_share":
        n = sum(1 for p in people if verdicts[p.user_id][c.title].qualifies)
        return _share_check(n, total, c.op, c.share, f"đạt {catalogue.name_of(c.title)}")
    if c.type == "member_rating_share":
        n = sum(1 for p in people if (r := p.ratings.get(year)) is not None and LEVEL_RANK.get(r.level, 0) >= LEVEL_RANK[c.level])
        return _share_check(n, total, c.op, c.share, f"xếp loại {_at_least(c.level)}")
    if c.type == "member_title_count":
        holders = [p.name for p in people if verdicts[p.user_id][c.title].qualifies]
        ok = len(holders) >= c.count
        names = f" ({', '.join(holders)})" if holders else ""
        return Check(ok, f"Có {len(holders)} thành viên đạt {catalogue.name_of(c.title)}{names} — cần ít nhất {c.count}: {'đạt' if ok else 'chưa đạt'}.")
    if c.type == "members_no_discipline":
        return _discipline_check(c, [(p.name, d) for p in people for d in p.discipline], year, collective=True)
    if c.type == "consecutive_titles":
        return _consecutive(c, unit_verdicts.get(c.title), unit.past_titles, year, catalogue)
    raise ValueError(c.type)


def _describe(c: Condition, catalogue: Catalogue) -> str:
    name = catalogue.name_of(c.title) if c.title else ""
    if c.type == "rating_at_least":
        return f"Xếp loại {_at_least(c.level)}" + (f" {c.years} năm liên tục" if c.years > 1 else " trong năm")
    if c.type == "no_discipline":
        return "Không bị kỷ luật trong năm" + (f" (từ {c.min_form_label} trở lên)" if c.min_severity > 1 else "")
    if c.type == "has_title":
        return f"Đạt danh hiệu {name} trong năm"
    if c.type == "initiative":
        scope = f"từ {SCOPE_LABELS[c.min_scope]} trở lên" if c.min_scope != SCOPES[-1] else SCOPE_LABELS[c.min_scope]
        span = "trong năm" if c.years == 1 else f"trong {c.years} năm gần nhất"
        return f"Có ít nhất {c.count} sáng kiến được công nhận, phạm vi ảnh hưởng {scope}, {span}"
    if c.type == "consecutive_titles":
        return f"Đạt {name} {c.count} năm liên tục (tính cả năm xét)"
    if c.type == "member_title_share":
        return f"Tỷ lệ thành viên đạt {name} {OPS[c.op]} {_num(c.share)}%"
    if c.type == "member_rating_share":
        return f"Tỷ lệ thành viên xếp loại {_at_least(c.level)} {OPS[c.op]} {_num(c.share)}%"
    if c.type == "member_title_count":
        return f"Có ít nhất {c.count} thành viên đạt {name}"
    if c.type == "members_no_discipline":
        return "Không thành viên nào bị kỷ luật trong năm" + (f" từ {c.min_form_label} trở lên" if c.min_severity > 1 else "")
    return c.type
