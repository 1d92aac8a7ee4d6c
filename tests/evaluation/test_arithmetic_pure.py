"""The framework arithmetic on hand-worked numbers, without a database: both shipped frameworks, the bands at
their boundaries, the quotas, task-result percentages, roll-ups and the year-end automatic rule."""

import copy
import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from congvu.evaluation import arithmetic as ar
from congvu.evaluation.framework import FrameworkError, load_framework
from congvu.evaluation.results import DisciplineFact, annual_result

DATA = Path(__file__).resolve().parents[2] / "src" / "congvu" / "evaluation" / "data"


def raw(name):
    return json.loads((DATA / name).read_text("utf-8"))


@pytest.fixture(scope="module")
def nd335():
    return load_framework(raw("decree_335_2025.json"))


@pytest.fixture(scope="module")
def hn3814():
    return load_framework(raw("hanoi_3814_2018.json"))


def test_shipped_frameworks_load_with_their_decisions(nd335, hn3814):
    assert nd335.code == "nd-335-2025" and "335/2025/NĐ-CP" in nd335.decision
    assert [(g.code, g.max_points) for g in nd335.groups] == [("general", 30), ("tasks", 70)]
    assert [c.code for c in nd335.groups[0].criteria] == ["politics", "ethics", "culture", "discipline", "attitude", "innovation"]
    assert hn3814.code == "hn-3814-2018" and "3814-QĐ/TU" in hn3814.decision
    assert [(g.code, g.max_points) for g in hn3814.groups] == [("discipline_ethics", 20), ("tasks", 70), ("bonus", 10)]
    assert [(b.code, b.minimum, b.level) for b in hn3814.bands] == [
        ("A", 90, "excellent"), ("B", 70, "good"), ("C", 50, "completed"), ("D", 0, "not_completed")]
    # The criteria FACTS suggests points for carry a source and a rule.
    bound = {c["code"]: c for c in nd335.criteria_dicts() if "source" in c}
    assert bound["timeliness"]["source"] == "on_time_share" and bound["timeliness"]["scoring"] == {"method": "share", "max": 100}
    assert bound["discipline"]["scoring"]["method"] == "deduct_per"


def test_decree_335_total_is_general_plus_seventy_times_the_mean_percentage(nd335):
    points = {"politics": D(5), "ethics": D(5), "culture": D("4.5"), "discipline": D(5), "attitude": D("2.5"), "innovation": D(4),
              "quantity": D(100), "quality": D(90), "timeliness": D(75)}
    general, tasks = ar.group_breakdown(nd335, points)
    assert general[1] == D("26.00")
    # 70 × (100 + 90 + 75) ÷ 3 ÷ 100 = 61.833… → 61.83
    assert tasks[1] == D("61.83")
    assert ar.total_points(nd335, points) == D("87.83")
    assert ar.band_for(nd335, D("87.83")).level == "good"


def test_task_percentages_deduct_a_quarter_of_each_failed_or_late_product():
    # 10 products planned, 8 done, 2 failed quality, 1 late: 80 %, 100 − 25×2/8 = 93.75 %, 100 − 25/8 = 96.875 %.
    assert ar.task_percentages(10, 8, 2, 1) == (D("80.00"), D("93.75"), D("96.88"))
    assert ar.task_percentages(4, 4, 0, 4) == (D("100.00"), D("100.00"), D("75.00"))
    assert ar.task_percentages(0, 0) == (D(100), D(100), D(100))
    assert ar.task_percentages(3, 0) == (D("0.00"), D("0.00"), D("0.00"))
    with pytest.raises(ValueError):
        ar.task_percentages(3, 2, 3, 0)


def test_hanoi_3814_sums_the_groups_and_bonus(hn3814):
    points = {"working_hours": 5, "ethics": 5, "attitude": 5, "culture": 5, "volume": 30, "quality": 18, "timeliness": 20,
              "initiative": 3, "extra_tasks": 0}
    parsed = ar.check_points(hn3814, points)
    assert ar.total_points(hn3814, parsed) == D("91.00")
    assert ar.band_for(hn3814, D(91)).code == "A"


@pytest.mark.parametrize("score, nd, hn", [
    ("100", "excellent", "A"), ("90", "excellent", "A"), ("89.99", "good", "B"), ("70", "good", "B"), ("69.99", "completed", "C"),
    ("50", "completed", "C"), ("49.99", "not_completed", "D"), ("0", "not_completed", "D"),
])
def test_bands_at_their_boundaries(nd335, hn3814, score, nd, hn):
    assert ar.band_for(nd335, D(score)).code == nd
    assert ar.band_for(hn3814, D(score)).code == hn
    assert ar.band_for(nd335, None) is None


def test_points_outside_the_scale_are_refused_in_vietnamese(nd335):
    with pytest.raises(ar.PointsError, match="điểm phải từ 0 đến 5"):
        ar.check_points(nd335, {"politics": "5,5"})
    with pytest.raises(ar.PointsError, match="không phải là số"):
        ar.check_points(nd335, {"ethics": "năm"})
    with pytest.raises(ar.PointsError, match="điểm phải từ 0 đến 100"):
        ar.check_points(nd335, {"quantity": "-1"})
    with pytest.raises(ar.PointsError, match="không có tiêu chí"):
        ar.check_points(nd335, {"nope": 1})
    assert ar.check_points(nd335, {"politics": "4,5"})["politics"] == D("4.50")
    assert [c.code for c in ar.missing(nd335, ar.check_points(nd335, {"politics": 5}))][:2] == ["ethics", "culture"]


def test_group_cap_holds_even_if_criteria_would_exceed_it(nd335):
    # A percent group never gives more than its maximum.
    group = nd335.groups[1]
    assert ar.group_points(group, {"quantity": D(100), "quality": D(100), "timeliness": D(100)}) == D("70.00")


def test_hanoi_quota_names_the_counts(hn3814):
    check = ar.quota_check(hn3814, ["A", "A", "A", "B", "B", "B", "C", "D"])
    assert not check.ok
    assert check.message == "3/8 người loại A vượt tỷ lệ 30% (tối đa 2)."
    assert ar.quota_check(hn3814, ["A", "A", "A", "B", "B", "B", "C", "D"], exception=True).ok  # 40% of 8 → 3
    assert ar.quota_check(hn3814, ["A", "A", "B", "B", "B", "B", "C", "D"]).ok


def test_decree_335_quota_is_a_fifth_of_those_good_or_better(nd335):
    bands = ["excellent", "excellent"] + ["good"] * 6 + ["completed", "completed"]
    check = ar.quota_check(nd335, bands)
    assert (check.ok, check.count, check.base, check.maximum) == (False, 2, 8, 1)
    assert "2/8 người" in check.message and "vượt tỷ lệ 20%" in check.message and "(tối đa 1)" in check.message
    exception = ar.quota_check(nd335, bands, exception=True)
    assert exception.ok and exception.maximum == 2


def test_roll_up_averages_the_locked_months(hn3814):
    result = ar.roll_up(hn3814, {1: D(92), 2: D(88), 4: D(70)}, ar.quarter_months(1))
    assert (result.points, result.band.code, result.months_rated, result.complete) == (D("90.00"), "A", 2, False)
    assert ar.quarter_of(10) == 4 and ar.quarter_months(4) == (10, 11, 12)
    assert ar.roll_up(hn3814, {}, [1, 2, 3]).points is None


def test_annual_result_average_and_automatic_discipline_rule(nd335):
    months = {m: D(92) for m in range(1, 13)}
    clean = annual_result(nd335, 7, 2026, months)
    assert (clean.level, clean.label, clean.points, clean.months_rated, clean.provisional) == (
        "excellent", "Hoàn thành xuất sắc nhiệm vụ", D("92.00"), 12, False)
    disciplined = annual_result(nd335, 7, 2026, months, [DisciplineFact("Khiển trách", "12/QĐ-UBND", dt.date(2026, 5, 4))])
    assert disciplined.level == "not_completed" and disciplined.label == "Không hoàn thành nhiệm vụ"
    assert any("kỷ luật khiển trách" in r and "12/QĐ-UBND" in r for r in disciplined.reasons)
    partial = annual_result(nd335, 7, 2026, {1: D(80), 2: D(60)})
    assert partial.provisional and partial.points == D("70.00") and partial.level == "good"
    assert any("2/12" in r for r in partial.reasons)
    nothing = annual_result(None, 7, 2026, {})
    assert (nothing.level, nothing.label, nothing.points, nothing.months_rated) == ("", "", None, 0)


def test_invalid_frameworks_list_every_problem_in_vietnamese():
    data = raw("hanoi_3814_2018.json")
    bad = copy.deepcopy(data)
    bad["groups"][0]["criteria"][0]["max_points"] = 6  # group no longer adds up to 20
    bad["bands"][-1]["min"] = 10  # no band for low scores
    bad["quota"]["band"] = "Z"
    bad["decision"] = ""
    with pytest.raises(FrameworkError) as info:
        load_framework(bad)
    text = "\n".join(info.value.messages)
    assert "cộng lại được 21 điểm, không bằng điểm tối đa 20" in text
    assert "Mức thấp nhất phải bắt đầu từ 0" in text
    assert "không có mức xếp loại “Z”" in text
    assert "văn bản ban hành" in text
    other = copy.deepcopy(data)
    other["groups"][1]["criteria"][1]["source"] = "mood"
    other["bands"][0]["level"] = "superb"
    with pytest.raises(FrameworkError) as info:
        load_framework(other)
    assert any("«mood»" in m for m in info.value.messages)
    assert any("bốn mức theo quy định" in m for m in info.value.messages)
    with pytest.raises(FrameworkError):
        load_framework([])
