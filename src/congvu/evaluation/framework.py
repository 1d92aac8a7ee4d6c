"""Evaluation frameworks (bộ tiêu chí đánh giá, xếp loại) as plain data: groups of criteria with point scales,
the bands and the legal level each band stands for, the quota on the top band, and how months roll up into a
year. Validated here, with no Django import, so the rules are tested without a database.

Why data, not code: Decree 335/2025/NĐ-CP lets each agency detail its criteria, Hanoi has its own monthly scheme
(Decision 3814-QĐ/TU, 2018), and both change by decision; a framework is identified by the issuing decision and
a version number, and a sheet keeps the version it was scored under.

Messages are written in Vietnamese here rather than through gettext: this module must not import Django, and
the frameworks are Vietnamese legal texts whose errors only a Vietnamese administrator reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# The facts a criterion may be bound to, and their suggestion rules, belong to the suggestion module (pure too).
from congvu.evaluation.suggest import SOURCES, scoring_problems  # noqa: F401 (SOURCES re-exported)

LEVELS = ("excellent", "good", "completed", "not_completed")
LEVEL_LABELS = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "good": "Hoàn thành tốt nhiệm vụ",
    "completed": "Hoàn thành nhiệm vụ",
    "not_completed": "Không hoàn thành nhiệm vụ",
}
GROUP_METHODS = ("sum", "percent_average")
QUOTA_BASES = ("all", "good_or_better")
PERIODS = ("month", "quarter")
ROLL_UPS = ("average",)


class FrameworkError(ValueError):
    """A framework that cannot be used; `messages` lists every problem found, in Vietnamese."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class CriterionDef:
    code: str
    name: str
    max_points: Decimal
    group: str
    source: str = ""
    scoring: dict | None = None
    guidance: str = ""

    def as_dict(self) -> dict:
        """The shape congvu.evaluation.suggest reads (code, source, scoring) plus the rest."""
        data = {"code": self.code, "name": self.name, "max_points": str(self.max_points), "group": self.group}
        if self.source:
            data["source"] = self.source
            data["scoring"] = dict(self.scoring or {})
        if self.guidance:
            data["guidance"] = self.guidance
        return data


@dataclass(frozen=True)
class GroupDef:
    code: str
    name: str
    max_points: Decimal
    method: str
    criteria: tuple[CriterionDef, ...]
    deduction_per_failure: Decimal = Decimal(25)
    guidance: str = ""

    @property
    def is_percent(self) -> bool:
        return self.method == "percent_average"


@dataclass(frozen=True)
class BandDef:
    code: str
    label: str
    minimum: Decimal
    level: str


@dataclass(frozen=True)
class QuotaDef:
    band: str
    max_percent: Decimal
    exception_percent: Decimal | None
    base: str


@dataclass(frozen=True)
class FrameworkDef:
    code: str
    version: int
    name: str
    decision: str
    effective_from: dt.date | None
    period: str
    total: Decimal
    groups: tuple[GroupDef, ...]
    bands: tuple[BandDef, ...]  # highest minimum first
    quota: QuotaDef | None
    roll_up: str = "average"

    def criteria(self) -> list[CriterionDef]:
        return [c for g in self.groups for c in g.criteria]

    def criterion(self, code: str) -> CriterionDef | None:
        return next((c for c in self.criteria() if c.code == code), None)

    def band(self, code: str) -> BandDef | None:
        return next((b for b in self.bands if b.code == code), None)

    def band_of_level(self, level: str) -> BandDef | None:
        return next((b for b in self.bands if b.level == level), None)

    def criteria_dicts(self) -> list[dict]:
        return [c.as_dict() for c in self.criteria()]


def fmt(value: Decimal | int | None) -> str:
    """12.50 → "12,5": points written the Vietnamese way."""
    if value is None:
        return ""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _decimal(value, where: str, errors: list[str]) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        errors.append(f"{where}: thiếu số điểm.")
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        errors.append(f"{where}: “{value}” không phải là số.")
        return None
    return number


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _criterion(data, group: str, method: str, seen: set[str], errors: list[str]) -> CriterionDef | None:
    if not isinstance(data, dict):
        errors.append(f"Nhóm {group}: mỗi tiêu chí phải có mã, tên và điểm tối đa.")
        return None
    code = _text(data.get("code"))
    if not code:
        errors.append(f"Nhóm {group}: có tiêu chí không có mã.")
        return None
    where = f"Tiêu chí {code}"
    if code in seen:
        errors.append(f"Mã tiêu chí {code} bị dùng hai lần.")
    seen.add(code)
    name = _text(data.get("name"))
    if not name:
        errors.append(f"{where}: thiếu tên tiêu chí.")
    max_points = _decimal(data.get("max_points"), where, errors)
    if max_points is not None and max_points <= 0:
        errors.append(f"{where}: điểm tối đa phải lớn hơn 0.")
    if method == "percent_average" and max_points is not None and max_points != 100:
        errors.append(f"{where}: tiêu chí chấm theo tỷ lệ phần trăm phải có điểm tối đa là 100.")
    source = _text(data.get("source"))
    scoring = data.get("scoring")
    if source:
        if not isinstance(scoring, dict):
            scoring = None
        else:
            # The suggestion rule is congvu.evaluation.suggest's format; "max" defaults to the criterion's maximum.
            scoring = {"max": str(max_points or 0), **scoring}
        for problem in scoring_problems([{"code": code, "source": source, "scoring": scoring}]):
            errors.append(problem)
        if isinstance(scoring, dict) and max_points is not None:
            try:
                rule_max = Decimal(str(scoring.get("max")))
            except (InvalidOperation, ValueError):
                rule_max = None
            if rule_max is not None and rule_max > max_points:
                errors.append(f"{where}: điểm gợi ý tối đa ({fmt(rule_max)}) vượt điểm tối đa của tiêu chí ({fmt(max_points)}).")
    elif scoring:
        errors.append(f"{where}: có cách gợi ý điểm nhưng không có nguồn dữ liệu.")
        scoring = None
    return CriterionDef(code=code, name=name, max_points=max_points or Decimal(0), group=group, source=source,
                        scoring=dict(scoring) if source and isinstance(scoring, dict) else None, guidance=_text(data.get("guidance")))


def _group(data, seen: set[str], errors: list[str]) -> GroupDef | None:
    if not isinstance(data, dict):
        errors.append("Mỗi nhóm tiêu chí phải có mã, tên, điểm tối đa và danh sách tiêu chí.")
        return None
    code = _text(data.get("code"))
    if not code:
        errors.append("Có nhóm tiêu chí không có mã.")
        return None
    where = f"Nhóm {code}"
    if code in seen:
        errors.append(f"Mã {code} bị dùng hai lần.")
    seen.add(code)
    if not _text(data.get("name")):
        errors.append(f"{where}: thiếu tên nhóm.")
    max_points = _decimal(data.get("max_points"), where, errors)
    if max_points is not None and max_points <= 0:
        errors.append(f"{where}: điểm tối đa phải lớn hơn 0.")
    method = _text(data.get("method") or "sum")
    if method not in GROUP_METHODS:
        errors.append(f"{where}: cách tính “{method}” không được hỗ trợ (dùng sum hoặc percent_average).")
        method = "sum"
    raw = data.get("criteria")
    if not isinstance(raw, list) or not raw:
        errors.append(f"{where}: nhóm chưa có tiêu chí nào.")
        raw = []
    criteria = tuple(c for c in (_criterion(item, code, method, seen, errors) for item in raw) if c is not None)
    deduction = _decimal(data.get("deduction_per_failure", 25), f"{where} (tỷ lệ trừ mỗi sản phẩm)", errors) or Decimal(25)
    if not 0 < deduction <= 100:
        errors.append(f"{where}: tỷ lệ trừ mỗi sản phẩm không đạt phải trong khoảng 0–100%.")
    if method == "sum" and criteria and max_points is not None and len(criteria) == len(raw):
        added = sum((c.max_points for c in criteria), Decimal(0))
        if added != max_points:
            errors.append(f"{where}: các tiêu chí cộng lại được {fmt(added)} điểm, không bằng điểm tối đa {fmt(max_points)} của nhóm.")
    return GroupDef(code=code, name=_text(data.get("name")), max_points=max_points or Decimal(0), method=method, criteria=criteria,
                    deduction_per_failure=deduction, guidance=_text(data.get("guidance")))


def _bands(raw, total: Decimal, errors: list[str]) -> tuple[BandDef, ...]:
    if not isinstance(raw, list) or not raw:
        errors.append("Bộ tiêu chí chưa có mức xếp loại nào.")
        return ()
    bands = []
    for item in raw:
        if not isinstance(item, dict):
            errors.append("Mỗi mức xếp loại phải có mã, tên, điểm tối thiểu và mức xếp loại theo quy định.")
            continue
        code, label, level = _text(item.get("code")), _text(item.get("label")), _text(item.get("level"))
        where = f"Mức xếp loại {code or '?'}"
        if not code or not label:
            errors.append(f"{where}: thiếu mã hoặc tên.")
        if level not in LEVELS:
            errors.append(f"{where}: phải gắn với một trong bốn mức theo quy định (excellent, good, completed, not_completed).")
        minimum = _decimal(item.get("min"), where, errors)
        if minimum is not None:
            bands.append(BandDef(code=code, label=label, minimum=minimum, level=level))
    bands.sort(key=lambda b: b.minimum, reverse=True)
    if len({b.code for b in bands}) != len(bands):
        errors.append("Hai mức xếp loại trùng mã.")
    if len({b.minimum for b in bands}) != len(bands):
        errors.append("Hai mức xếp loại có cùng điểm tối thiểu.")
    if bands and bands[-1].minimum != 0:
        errors.append("Mức thấp nhất phải bắt đầu từ 0 điểm để điểm nào cũng có mức xếp loại.")
    if bands and bands[0].minimum > total:
        errors.append(f"Mức {bands[0].label} bắt đầu cao hơn tổng điểm {fmt(total)}.")
    order = [LEVELS.index(b.level) for b in bands if b.level in LEVELS]
    if order != sorted(order):
        errors.append("Mức xếp loại điểm cao hơn không được gắn với mức theo quy định thấp hơn.")
    return tuple(bands)


def _quota(raw, bands: tuple[BandDef, ...], errors: list[str]) -> QuotaDef | None:
    if raw in (None, {}, ""):
        return None
    if not isinstance(raw, dict):
        errors.append("Tỷ lệ khống chế phải là một đối tượng có mức xếp loại và tỷ lệ tối đa.")
        return None
    band = _text(raw.get("band"))
    if band not in {b.code for b in bands}:
        errors.append(f"Tỷ lệ khống chế: không có mức xếp loại “{band}”.")
    maximum = _decimal(raw.get("max_percent"), "Tỷ lệ khống chế", errors)
    if maximum is not None and not 0 <= maximum <= 100:
        errors.append("Tỷ lệ khống chế phải trong khoảng 0–100%.")
    exception = None
    if raw.get("exception_percent") not in (None, ""):
        exception = _decimal(raw.get("exception_percent"), "Tỷ lệ khống chế trong trường hợp đặc biệt", errors)
        if exception is not None and maximum is not None and not maximum <= exception <= 100:
            errors.append("Tỷ lệ trong trường hợp đặc biệt phải từ tỷ lệ thông thường đến 100%.")
    base = _text(raw.get("base") or "all")
    if base not in QUOTA_BASES:
        errors.append("Tỷ lệ khống chế tính trên “all” (tổng số người) hoặc “good_or_better” (số người hoàn thành tốt trở lên).")
    return QuotaDef(band=band, max_percent=maximum or Decimal(0), exception_percent=exception, base=base)


def load_framework(data) -> FrameworkDef:
    """Validate a framework given as data (the shipped JSON, the admin's edit) and return it; raise FrameworkError
    listing every problem, in Vietnamese."""
    if not isinstance(data, dict):
        raise FrameworkError(["Bộ tiêu chí phải là một đối tượng JSON có mã, tên, quyết định ban hành, các nhóm tiêu chí và mức xếp loại."])
    errors: list[str] = []
    code = _text(data.get("code"))
    if not code:
        errors.append("Bộ tiêu chí chưa có mã.")
    name = _text(data.get("name"))
    if not name:
        errors.append("Bộ tiêu chí chưa có tên.")
    decision = _text(data.get("decision"))
    if not decision:
        errors.append("Chưa ghi văn bản ban hành bộ tiêu chí (số, ký hiệu quyết định).")
    try:
        version = int(data.get("version", 1))
        if version < 1:
            raise ValueError
    except (TypeError, ValueError):
        errors.append("Phiên bản phải là số nguyên dương.")
        version = 1
    effective_from = None
    if data.get("effective_from"):
        try:
            effective_from = dt.date.fromisoformat(str(data["effective_from"]))
        except ValueError:
            errors.append("Ngày hiệu lực phải có dạng YYYY-MM-DD.")
    period = _text(data.get("period") or "month")
    if period not in PERIODS:
        errors.append("Kỳ đánh giá phải là “month” (tháng) hoặc “quarter” (quý).")
    total = _decimal(data.get("total", 100), "Tổng điểm", errors) or Decimal(0)
    if total <= 0:
        errors.append("Tổng điểm phải lớn hơn 0.")
    raw_groups = data.get("groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        errors.append("Bộ tiêu chí chưa có nhóm tiêu chí nào.")
        raw_groups = []
    seen: set[str] = set()
    groups = tuple(g for g in (_group(item, seen, errors) for item in raw_groups) if g is not None)
    if groups and len(groups) == len(raw_groups) and total > 0:
        added = sum((g.max_points for g in groups), Decimal(0))
        if added != total:
            errors.append(f"Các nhóm tiêu chí cộng lại được {fmt(added)} điểm, không bằng tổng điểm {fmt(total)}.")
    bands = _bands(data.get("bands"), total, errors)
    quota = _quota(data.get("quota"), bands, errors)
    roll_up = _text(data.get("roll_up") or "average")
    if roll_up not in ROLL_UPS:
        errors.append("Cách tổng hợp cả năm phải là “average” (trung bình các kỳ).")
    if errors:
        raise FrameworkError(errors)
    return FrameworkDef(code=code, version=version, name=name, decision=decision, effective_from=effective_from, period=period,
                        total=total, groups=groups, bands=bands, quota=quota, roll_up=roll_up)
