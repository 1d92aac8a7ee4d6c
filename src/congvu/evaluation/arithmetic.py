"""The arithmetic of an evaluation sheet, with no Django import: points within a criterion's scale, group caps,
the total, the band, the unit's quota on the top band, task-result percentages with the deduction per failed or
late product, and the roll-up of months into a quarter or a year. Messages are Vietnamese (see framework.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from congvu.evaluation.framework import BandDef, CriterionDef, FrameworkDef, GroupDef, fmt

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class PointsError(ValueError):
    """Points that a criterion cannot take; `message` is Vietnamese and names the criterion."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def parse_points(criterion: CriterionDef, value) -> Decimal | None:
    """The points typed for a criterion ("4,5" or "4.5"), checked against its scale; None when left empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise PointsError(criterion.code, f"Tiêu chí “{criterion.name}”: “{value}” không phải là số.")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise PointsError(criterion.code, f"Tiêu chí “{criterion.name}”: “{value}” không phải là số.") from None
    if not number.is_finite():
        raise PointsError(criterion.code, f"Tiêu chí “{criterion.name}”: “{value}” không phải là số.")
    if number < 0 or number > criterion.max_points:
        raise PointsError(criterion.code, f"Tiêu chí “{criterion.name}”: điểm phải từ 0 đến {fmt(criterion.max_points)} (đã nhập {fmt(number)}).")
    if number != number.quantize(CENT):
        raise PointsError(criterion.code, f"Tiêu chí “{criterion.name}”: điểm chỉ lấy tối đa hai chữ số thập phân.")
    return number.quantize(CENT)


def check_points(framework: FrameworkDef, points: Mapping[str, object]) -> dict[str, Decimal | None]:
    """Every criterion's points parsed; raise PointsError for the first bad one, or for a code the framework lacks."""
    known = {c.code: c for c in framework.criteria()}
    for code in points:
        if code not in known:
            raise PointsError(code, f"Bộ tiêu chí không có tiêu chí mã “{code}”.")
    return {code: parse_points(criterion, points.get(code)) for code, criterion in known.items()}


def missing(framework: FrameworkDef, points: Mapping[str, Decimal | None]) -> list[CriterionDef]:
    return [c for c in framework.criteria() if points.get(c.code) is None]


def group_points(group: GroupDef, points: Mapping[str, Decimal | None]) -> Decimal:
    """A group's points: the sum of its criteria, never above the group's maximum; or for a task-results group
    scored in percent, maximum × (mean of the percentages) ÷ 100 (Decree 335: (quantity + quality + timeliness) ÷ 3).
    An empty criterion counts 0."""
    values = [Decimal(points.get(c.code) or 0) for c in group.criteria]
    if group.is_percent:
        mean = sum(values, Decimal(0)) / len(values) if values else Decimal(0)
        result = group.max_points * min(mean, HUNDRED) / HUNDRED
    else:
        result = sum(values, Decimal(0))
    return min(max(result, Decimal(0)), group.max_points).quantize(CENT, rounding=ROUND_HALF_UP)


def total_points(framework: FrameworkDef, points: Mapping[str, Decimal | None]) -> Decimal:
    total = sum((group_points(g, points) for g in framework.groups), Decimal(0))
    return min(total, framework.total).quantize(CENT, rounding=ROUND_HALF_UP)


def group_breakdown(framework: FrameworkDef, points: Mapping[str, Decimal | None]) -> list[tuple[GroupDef, Decimal]]:
    return [(g, group_points(g, points)) for g in framework.groups]


def band_for(framework: FrameworkDef, score: Decimal | None) -> BandDef | None:
    """The highest band whose minimum the score reaches (None without a score)."""
    if score is None:
        return None
    for band in framework.bands:
        if score >= band.minimum:
            return band
    return framework.bands[-1] if framework.bands else None


def task_percentages(assigned: int, completed: int, failed_quality: int = 0, late: int = 0,
                     deduction: Decimal = Decimal(25)) -> tuple[Decimal, Decimal, Decimal]:
    """(quantity %, quality %, timeliness %) of a month's products (Decree 335/2025): quantity = completed ÷
    assigned; each completed product is worth 100 ÷ completed percent, and each quality failure or delay takes
    `deduction` percent of that product's worth. Nothing assigned counts as fully done; nothing completed, 0."""
    if min(assigned, completed, failed_quality, late) < 0:
        raise ValueError("Số sản phẩm không được âm.")
    if failed_quality > completed or late > completed:
        raise ValueError("Số sản phẩm không đạt chất lượng hoặc chậm tiến độ không thể nhiều hơn số sản phẩm hoàn thành.")
    if assigned == 0:
        return HUNDRED, HUNDRED, HUNDRED
    quantity = min(Decimal(completed) / Decimal(assigned), Decimal(1)) * HUNDRED
    if completed == 0:
        return Decimal(0).quantize(CENT), Decimal(0).quantize(CENT), Decimal(0).quantize(CENT)

    def less(count: int) -> Decimal:
        return max(HUNDRED - deduction * Decimal(count) / Decimal(completed), Decimal(0))

    return tuple(v.quantize(CENT, rounding=ROUND_HALF_UP) for v in (quantity, less(failed_quality), less(late)))  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------------ quota


@dataclass(frozen=True)
class QuotaCheck:
    ok: bool
    band_label: str
    count: int  # people in the quota's band
    base: int  # the people the percentage is taken of
    maximum: int  # most people allowed in the band
    percent: Decimal
    message: str  # Vietnamese; says why it fails, or what the limit is when it passes


def quota_check(framework: FrameworkDef, band_codes: Iterable[str], exception: bool = False) -> QuotaCheck | None:
    """Check a unit's month against the framework's quota on its top band: `band_codes` are the bands of every
    sheet of the unit in the period. The maximum is the percentage of the base rounded down (30% of 8 is 2);
    `exception` uses the exceptional percentage (an outstanding unit). None when the framework sets no quota."""
    quota = framework.quota
    if quota is None:
        return None
    band = framework.band(quota.band)
    codes = list(band_codes)
    levels = {b.code: b.level for b in framework.bands}
    count = sum(1 for code in codes if code == quota.band)
    if quota.base == "good_or_better":
        base = sum(1 for code in codes if levels.get(code) in ("excellent", "good"))
        base_text = " số người hoàn thành tốt nhiệm vụ trở lên"
    else:
        base = len(codes)
        base_text = ""
    percent = quota.exception_percent if exception and quota.exception_percent is not None else quota.max_percent
    maximum = int((Decimal(base) * percent / HUNDRED).to_integral_value(rounding=ROUND_DOWN))
    label = (band.label if band else quota.band)
    who = label if label.lower().startswith("loại") else f"“{label}”"
    ok = count <= maximum
    if ok:
        message = f"{count}/{base} người {_lower_first(who)}, trong tỷ lệ {fmt(percent)}%{base_text} (tối đa {maximum})."
    else:
        message = f"{count}/{base} người {_lower_first(who)} vượt tỷ lệ {fmt(percent)}%{base_text} (tối đa {maximum})."
    return QuotaCheck(ok=ok, band_label=label, count=count, base=base, maximum=maximum, percent=percent, message=message)


def _lower_first(text: str) -> str:
    # "Loại A" reads "loại A" inside a sentence; a quoted level name is left as written.
    return text[:1].lower() + text[1:] if text.startswith("Loại") else text


# ------------------------------------------------------------------------------------------------ roll-up


def average(values: Iterable[Decimal]) -> Decimal | None:
    values = [Decimal(v) for v in values]
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


def quarter_months(quarter: int) -> tuple[int, int, int]:
    first = (quarter - 1) * 3 + 1
    return first, first + 1, first + 2


@dataclass(frozen=True)
class PeriodResult:
    """The roll-up of some months of one person: the average of the rated months' points and its band."""

    points: Decimal | None
    band: BandDef | None
    months_rated: int
    months_expected: int

    @property
    def complete(self) -> bool:
        return self.months_rated >= self.months_expected


def roll_up(framework: FrameworkDef, month_points: Mapping[int, Decimal], months: Iterable[int]) -> PeriodResult:
    """Roll the locked months among `months` into one result (Decree 335 and Hanoi 3814 both classify the
    quarter and the year from the months' results; the framework says how — here, their average)."""
    months = list(months)
    rated = [month_points[m] for m in months if m in month_points]
    points = average(rated)
    return PeriodResult(points=points, band=band_for(framework, points), months_rated=len(rated), months_expected=len(months))
