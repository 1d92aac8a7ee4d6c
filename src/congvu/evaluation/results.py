"""The year-end classification of one person, with no Django import: the roll-up of the year's locked sheets,
then the automatic rules (DOMAIN §6: disciplined in the year, reprimand or above → not completed). The reasons
are Vietnamese sentences a person reads on the summary and the emulation proposal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from congvu.evaluation.arithmetic import roll_up
from congvu.evaluation.framework import LEVEL_LABELS, FrameworkDef, fmt


@dataclass(frozen=True)
class AnnualResult:
    user_id: int
    year: int
    level: str  # "excellent" | "good" | "completed" | "not_completed" | "" (not rated)
    label: str
    points: Decimal | None
    months_rated: int
    provisional: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DisciplineFact:
    """A discipline decision of the year as the rule needs it (people.DisciplineRecord, reduced)."""

    form_label: str
    decision_number: str
    decision_date: dt.date


def annual_result(framework: FrameworkDef | None, user_id: int, year: int, month_points: Mapping[int, Decimal],
                  discipline: Iterable[DisciplineFact] = (), months_expected: int = 12) -> AnnualResult:
    """`month_points` are the locked months' points (month → points) under `framework` (None when the person has
    no locked sheet in the year). Provisional while fewer than `months_expected` months are locked."""
    reasons: list[str] = []
    level, points = "", None
    months = range(1, 13)
    rated = 0
    if framework is not None and month_points:
        result = roll_up(framework, month_points, months)
        points, rated = result.points, result.months_rated
        if result.band is not None:
            level = result.band.level
            band_text = "" if result.band.label == LEVEL_LABELS.get(level) else f" ({result.band.label})"
            reasons.append(f"Điểm bình quân {rated} tháng đã khóa: {fmt(points)} điểm, xếp loại {LEVEL_LABELS[level]}{band_text}.")
    else:
        reasons.append(f"Chưa có phiếu đánh giá nào của năm {year} được phê duyệt.")
    records = sorted(discipline, key=lambda d: d.decision_date)
    if records:
        first = records[0]
        reasons.append(
            f"Bị kỷ luật {first.form_label.lower()} trong năm {year} (quyết định {first.decision_number or 'không số'} ngày "
            f"{first.decision_date:%d/%m/%Y}): xếp loại Không hoàn thành nhiệm vụ theo quy định."
        )
        level = "not_completed"
    provisional = rated < months_expected
    if provisional and (rated or records):
        reasons.append(f"Kết quả tạm tính: mới có {rated}/{months_expected} tháng được phê duyệt.")
    return AnnualResult(user_id=user_id, year=year, level=level, label=LEVEL_LABELS.get(level, ""), points=points,
                        months_rated=rated, provisional=provisional, reasons=tuple(reasons))
