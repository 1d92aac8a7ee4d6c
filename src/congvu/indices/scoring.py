"""Scoring a unit on an indicator scheme such as Decision 766/QĐ-TTg, and the confidence intervals of survey figures.

Pure Python (no Django). The scheme is data, not code: Decision 766 sets the indicators, but the national portal
has changed maxima, thresholds and wording since 2022 (INDEX766.md, "Caveats"), so a province must be able to
install a new version without a release. `load_scheme` is the one gate every version passes through, so a scheme
whose points do not add up never reaches a dashboard.

Rule kinds (INDEX766.md, "Scoring"):
- "linear": max × rate (full points only at 100%).
- "threshold": full points at rate ≥ T, else rate × max / T.
- "capped_slope": min(max, k × rate) — how the sources state 3.5b and 4.3 (the same curve as a threshold at
  max / k, kept in the sources' form so the rule text reads like the formula document).
- "monitoring": shown, never scored (2.2, 5.1 carry 0 points).
Every scored indicator also says what happens when nothing was counted ("when_empty"): 5.2 and 5.3 give full
points to a body that received no feedback (the portal's API does so), 5.4 gives 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from congvu.indices.measures import Measure

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SCHEME_FILE = DATA_DIR / "decision766_2022.json"

LINEAR, THRESHOLD, CAPPED_SLOPE, MONITORING = "linear", "threshold", "capped_slope", "monitoring"
RULES = (LINEAR, THRESHOLD, CAPPED_SLOPE, MONITORING)
WHEN_EMPTY_ZERO, WHEN_EMPTY_FULL = "zero", "full"
WHEN_EMPTY = (WHEN_EMPTY_ZERO, WHEN_EMPTY_FULL)

CENT = Decimal("0.01")
ONE = Decimal(1)
# Points are compared after rounding to cents: "2.5 × 0.8" written in JSON as floats must equal 2.
_TOLERANCE = Decimal("0.005")


class SchemeError(ValueError):
    """The scheme's data is inconsistent; the message is Vietnamese, for the reform officer who edited it."""


@dataclass(frozen=True)
class GroupDef:
    code: str
    name: str
    max_points: Decimal


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    group: str
    name: str
    max_points: Decimal
    rule: str
    threshold: Decimal | None = None  # the rate at which full points are reached (None for monitoring)
    slope: Decimal | None = None  # capped_slope only: points per unit of rate
    when_empty: str = WHEN_EMPTY_ZERO
    formula: str = ""
    note: str = ""  # sources and how sure we are (INDEX766.md's last column)
    value_unit: str = "%"  # what a monitoring value is counted in ("%", "ngày")

    @property
    def scored(self) -> bool:
        return self.rule != MONITORING


@dataclass(frozen=True)
class Scheme:
    name: str
    total: Decimal
    groups: tuple[GroupDef, ...]
    indicators: tuple[IndicatorDef, ...]
    bands: tuple[tuple[Decimal, str], ...] = ()  # (min_total, label), highest first
    bands_source: str = ""
    legal_basis: str = ""
    note: str = ""

    def group(self, code: str) -> GroupDef:
        for group in self.groups:
            if group.code == code:
                return group
        raise KeyError(code)

    def indicator(self, code: str) -> IndicatorDef:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise KeyError(code)

    def indicators_of(self, group_code: str) -> list[IndicatorDef]:
        return [i for i in self.indicators if i.group == group_code]

    def band_for(self, total: Decimal) -> str:
        for min_total, label in self.bands:
            if total >= min_total:
                return label
        return ""


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    group: str
    name: str
    measure: Measure | None
    value: Decimal | None  # the percent for a rate, or the monitored value (e.g. average days)
    points: Decimal
    max_points: Decimal
    rule_text: str


@dataclass(frozen=True)
class GroupScore:
    code: str
    name: str
    points: Decimal
    max_points: Decimal


@dataclass(frozen=True)
class ScoredIndex:
    total: Decimal
    band: str
    groups: list[GroupScore] = field(default_factory=list)
    indicators: list[IndicatorScore] = field(default_factory=list)
    max_total: Decimal = Decimal(100)

    def indicator(self, code: str) -> IndicatorScore:
        for row in self.indicators:
            if row.code == code:
                return row
        raise KeyError(code)

    def group(self, code: str) -> GroupScore:
        for row in self.groups:
            if row.code == code:
                return row
        raise KeyError(code)


# -- loading -------------------------------------------------------------------------------------------------------

def default_scheme_data() -> dict:
    """The Decision 766 scheme as the national portal scores it (INDEX766.md), a fresh dict each call."""
    with DEFAULT_SCHEME_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


def default_scheme() -> Scheme:
    return load_scheme(default_scheme_data())


def load_scheme(data: dict) -> Scheme:
    """Validate a scheme's data and build it; raise SchemeError (Vietnamese) on the first inconsistency."""
    if not isinstance(data, dict):
        raise SchemeError("Bộ chỉ số phải là một đối tượng JSON.")
    name = _text(data.get("name"), "Tên bộ chỉ số")
    total = _number(data.get("total"), "Tổng điểm của bộ chỉ số")
    if total <= 0:
        raise SchemeError("Tổng điểm của bộ chỉ số phải lớn hơn 0.")

    groups = _load_groups(data.get("groups"))
    group_sum = sum((g.max_points for g in groups), Decimal(0))
    if abs(group_sum - total) > _TOLERANCE:
        raise SchemeError(f"Điểm tối đa các nhóm cộng lại là {_fmt(group_sum)}, khác tổng điểm {_fmt(total)}.")

    indicators = _load_indicators(data.get("indicators"), {g.code for g in groups})
    for group in groups:
        own = [i for i in indicators if i.group == group.code]
        if not own:
            raise SchemeError(f"Nhóm {group.code} không có chỉ số nào.")
        subtotal = sum((i.max_points for i in own), Decimal(0))
        if abs(subtotal - group.max_points) > _TOLERANCE:
            raise SchemeError(
                f"Điểm tối đa các chỉ số của nhóm {group.code} cộng lại là {_fmt(subtotal)}, "
                f"khác điểm tối đa của nhóm ({_fmt(group.max_points)})."
            )

    bands = _load_bands(data.get("bands", []), total)
    return Scheme(
        name=name,
        total=total,
        groups=tuple(groups),
        indicators=tuple(indicators),
        bands=bands,
        bands_source=_optional_text(data.get("bands_source"), "Nguồn của thang xếp loại"),
        legal_basis=_optional_text(data.get("legal_basis"), "Căn cứ pháp lý"),
        note=_optional_text(data.get("note"), "Ghi chú"),
    )


def _load_groups(raw) -> list[GroupDef]:
    if not isinstance(raw, list) or not raw:
        raise SchemeError("Bộ chỉ số phải có danh sách nhóm (groups) không rỗng.")
    groups, seen = [], set()
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise SchemeError(f"Nhóm thứ {position} phải là một đối tượng.")
        code = _text(item.get("code"), f"Mã của nhóm thứ {position}")
        if code in seen:
            raise SchemeError(f"Mã nhóm {code} bị trùng.")
        seen.add(code)
        max_points = _number(item.get("max_points"), f"Điểm tối đa của nhóm {code}")
        if max_points < 0:
            raise SchemeError(f"Điểm tối đa của nhóm {code} không được âm.")
        groups.append(GroupDef(code, _text(item.get("name"), f"Tên của nhóm {code}"), max_points))
    return groups


def _load_indicators(raw, group_codes: set[str]) -> list[IndicatorDef]:
    if not isinstance(raw, list) or not raw:
        raise SchemeError("Bộ chỉ số phải có danh sách chỉ số (indicators) không rỗng.")
    indicators, seen = [], set()
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise SchemeError(f"Chỉ số thứ {position} phải là một đối tượng.")
        code = _text(item.get("code"), f"Mã của chỉ số thứ {position}")
        if code in seen:
            raise SchemeError(f"Mã chỉ số {code} bị trùng.")
        seen.add(code)
        indicators.append(_load_indicator(code, item, group_codes))
    return indicators


def _load_indicator(code: str, item: dict, group_codes: set[str]) -> IndicatorDef:
    label = f"chỉ số {code}"
    group = _text(item.get("group"), f"Nhóm của {label}")
    if group not in group_codes:
        raise SchemeError(f"Chỉ số {code} thuộc nhóm {group} không có trong bộ chỉ số.")
    max_points = _number(item.get("max_points"), f"Điểm tối đa của {label}")
    if max_points < 0:
        raise SchemeError(f"Điểm tối đa của {label} không được âm.")
    rule = item.get("rule")
    if rule not in RULES:
        raise SchemeError(
            f"Cách tính điểm của {label} không hợp lệ: {rule!r} (chọn một trong: {', '.join(RULES)})."
        )
    when_empty = item.get("when_empty", WHEN_EMPTY_ZERO)
    if when_empty not in WHEN_EMPTY:
        raise SchemeError(f"Quy tắc khi mẫu số bằng 0 của {label} phải là \"zero\" hoặc \"full\".")

    threshold = slope = None
    if rule == MONITORING:
        if max_points != 0:
            raise SchemeError(f"Chỉ số {code} chỉ theo dõi nên điểm tối đa phải bằng 0.")
    else:
        threshold = _number(item.get("threshold"), f"Ngưỡng đạt điểm tối đa của {label}")
        if not 0 < threshold <= 1:
            raise SchemeError(f"Ngưỡng của {label} phải lớn hơn 0 và không quá 1 (100%).")
        if rule == LINEAR and threshold != 1:
            raise SchemeError(f"Chỉ số {code} tính tuyến tính nên ngưỡng phải là 1 (100%); dùng \"threshold\" nếu khác.")
        if rule == CAPPED_SLOPE:
            slope = _number(item.get("slope"), f"Hệ số (slope) của {label}")
            if slope <= 0:
                raise SchemeError(f"Hệ số (slope) của {label} phải lớn hơn 0.")
            if abs(slope * threshold - max_points) > _TOLERANCE:
                raise SchemeError(
                    f"Chỉ số {code}: hệ số {_fmt(slope)} × ngưỡng {_fmt(threshold)} phải bằng điểm tối đa "
                    f"{_fmt(max_points)}."
                )
    return IndicatorDef(
        code=code,
        group=group,
        name=_text(item.get("name"), f"Tên của {label}"),
        max_points=max_points,
        rule=rule,
        threshold=threshold,
        slope=slope,
        when_empty=when_empty,
        formula=_optional_text(item.get("formula"), f"Công thức của {label}"),
        note=_optional_text(item.get("note"), f"Ghi chú của {label}"),
        value_unit=_optional_text(item.get("value_unit"), f"Đơn vị giá trị của {label}") or "%",
    )


def _load_bands(raw, total: Decimal) -> tuple[tuple[Decimal, str], ...]:
    if not isinstance(raw, list):
        raise SchemeError("Thang xếp loại (bands) phải là một danh sách.")
    bands = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise SchemeError(f"Mức xếp loại thứ {position} phải là một đối tượng.")
        label = _text(item.get("label"), f"Tên của mức xếp loại thứ {position}")
        min_total = _number(item.get("min_total"), f"Điểm tối thiểu của mức \"{label}\"")
        if not 0 <= min_total <= total:
            raise SchemeError(f"Điểm tối thiểu của mức \"{label}\" phải từ 0 đến {_fmt(total)}.")
        bands.append((min_total, label))
    if bands:
        mins = [m for m, _ in bands]
        if len(set(mins)) != len(mins):
            raise SchemeError("Hai mức xếp loại không được có cùng điểm tối thiểu.")
        if min(mins) != 0:
            raise SchemeError("Thang xếp loại phải có một mức bắt đầu từ 0 điểm để mọi tổng điểm đều được xếp loại.")
    return tuple(sorted(bands, key=lambda band: band[0], reverse=True))


def _text(value, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SchemeError(f"{what} phải là một chuỗi không rỗng.")
    return value.strip()


def _optional_text(value, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SchemeError(f"{what} phải là một chuỗi.")
    return value.strip()


def _number(value, what: str) -> Decimal:
    # bool is an int in Python; "true" points are a typo, not a number.
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise SchemeError(f"{what} phải là một số.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SchemeError(f"{what} phải là một số.") from None
    if not number.is_finite():
        raise SchemeError(f"{what} phải là một số hữu hạn.")
    return number


# -- scoring -------------------------------------------------------------------------------------------------------

def score(scheme: Scheme, measures: dict[str, Measure], values: dict[str, Decimal] | None = None) -> ScoredIndex:
    """Score every indicator of the scheme from its measure; an indicator without a measure is not measurable
    by this system (e.g. 1.4, the national sync) and scores 0, saying so. `values` carries monitored figures that
    are not rates (2.2's average days)."""
    values = values or {}
    rows = [_score_indicator(ind, measures.get(ind.code), values.get(ind.code)) for ind in scheme.indicators]
    groups = []
    for group in scheme.groups:
        points = sum((r.points for r in rows if r.group == group.code), Decimal(0))
        groups.append(GroupScore(group.code, group.name, points, group.max_points))
    total = sum((g.points for g in groups), Decimal(0))
    return ScoredIndex(total=total, band=scheme.band_for(total), groups=groups, indicators=rows,
                       max_total=scheme.total)


def _score_indicator(ind: IndicatorDef, measure: Measure | None, value: Decimal | None) -> IndicatorScore:
    rate = None if measure is None else measure.rate
    shown = value if value is not None else (None if measure is None else measure.percent)
    points, text = _points(ind, measure, rate, value)
    return IndicatorScore(ind.code, ind.group, ind.name, measure, shown, _cents(points), ind.max_points, text)


def _points(ind: IndicatorDef, measure: Measure | None, rate: Decimal | None, value) -> tuple[Decimal, str]:
    out_of = f"/{_fmt(ind.max_points)} điểm"
    if ind.rule == MONITORING:
        if value is not None:
            return Decimal(0), f"Chỉ theo dõi, không tính điểm: {_fmt(_cents(Decimal(value)))} {ind.value_unit}."
        if rate is not None:
            return Decimal(0), f"Chỉ theo dõi, không tính điểm: {_ratio(measure)}."
        return Decimal(0), "Chỉ theo dõi, không tính điểm; chưa có số liệu."
    if measure is None:
        return Decimal(0), f"Hệ thống chưa đo được chỉ số này → 0,00{out_of}."
    if rate is None:
        if ind.when_empty == WHEN_EMPTY_FULL:
            return ind.max_points, f"Mẫu số bằng 0 (không có gì để tính) → đủ {_pts(ind.max_points)}{out_of}."
        return Decimal(0), f"Mẫu số bằng 0 (không có gì để tính) → 0,00{out_of}."

    capped = min(rate, ONE)  # a rate above 100% (a late correction) never earns more than the maximum
    if ind.rule == LINEAR:
        points = ind.max_points * capped
        return points, f"{_ratio(measure)} × {_fmt(ind.max_points)} → {_pts(points)}{out_of}"
    if ind.rule == CAPPED_SLOPE:
        points = min(ind.max_points, ind.slope * capped)
        return points, (f"{_ratio(measure)}; min({_fmt(ind.max_points)}; {_fmt(ind.slope)} × {_pct(rate)}) "
                        f"→ {_pts(points)}{out_of}")
    # THRESHOLD
    if rate >= ind.threshold:
        return ind.max_points, (f"{_ratio(measure)} ≥ ngưỡng {_pct_threshold(ind.threshold)} "
                                f"→ {_pts(ind.max_points)}{out_of}")
    points = rate * ind.max_points / ind.threshold
    return points, (f"{_ratio(measure)} < ngưỡng {_pct_threshold(ind.threshold)} → {_pct(rate)} × {_fmt(ind.max_points)} "
                    f"/ {_pct_threshold(ind.threshold)} = {_pts(points)}{out_of}")


def _cents(number: Decimal) -> Decimal:
    return Decimal(number).quantize(CENT, rounding=ROUND_HALF_UP)


def _pts(points: Decimal) -> str:
    return _fmt(_cents(points), keep_cents=True)


def _ratio(measure: Measure) -> str:
    return f"{_fmt(measure.numerator)}/{_fmt(measure.denominator)} = {_pct(measure.rate)}"


def _pct(rate: Decimal) -> str:
    """A measured rate, always with two decimals ("92,50%"), as the portal prints it."""
    return f"{_fmt(_cents(Decimal(rate) * 100), keep_cents=True)}%"


def _pct_threshold(threshold: Decimal) -> str:
    """A configured threshold, without needless decimals ("80%")."""
    return f"{_fmt(_cents(threshold * 100))}%"


def _fmt(number, keep_cents: bool = False) -> str:
    """Vietnamese number: '.' between thousands, ',' before decimals; whole numbers without decimals unless asked."""
    number = Decimal(number)
    if not keep_cents and number == number.to_integral_value():
        return f"{int(number):,}".replace(",", ".")
    text = f"{number.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}" if keep_cents else f"{number.normalize():,f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


# -- confidence intervals ------------------------------------------------------------------------------------------

def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[Decimal | None, Decimal | None]:
    """Wilson score interval of a proportion (successes of n). Used for survey shares such as SIPAS: unlike the
    normal approximation it stays inside [0, 1] and behaves at 0% and 100%, which small units hit often.
    Returns (None, None) when nobody answered."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError("wilson_interval needs 0 ≤ successes ≤ n")
    if n == 0:
        return None, None
    z = Decimal(str(z))
    n_d = Decimal(n)
    p = Decimal(successes) / n_d
    z2 = z * z
    denominator = 1 + z2 / n_d
    centre = (p + z2 / (2 * n_d)) / denominator
    half = z / denominator * (p * (1 - p) / n_d + z2 / (4 * n_d * n_d)).sqrt()
    return max(Decimal(0), centre - half), min(ONE, centre + half)


def mean_interval(values, z: float = 1.96) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Mean of the values with a normal-approximation interval (mean ± z × s / √n, s the sample standard
    deviation). With fewer than two values there is no spread to estimate: (mean, None, None)."""
    numbers = [Decimal(str(v)) if isinstance(v, float) else Decimal(v) for v in values]
    n = len(numbers)
    if n == 0:
        return None, None, None
    mean = sum(numbers, Decimal(0)) / n
    if n < 2:
        return mean, None, None
    variance = sum(((x - mean) ** 2 for x in numbers), Decimal(0)) / (n - 1)
    half = Decimal(str(z)) * variance.sqrt() / Decimal(n).sqrt()
    return mean, mean - half, mean + half


__all__ = [
    "CAPPED_SLOPE", "LINEAR", "MONITORING", "THRESHOLD", "GroupDef", "GroupScore", "IndicatorDef", "IndicatorScore",
    "Scheme", "SchemeError", "ScoredIndex", "default_scheme", "default_scheme_data", "load_scheme", "mean_interval",
    "score", "wilson_interval",
]
