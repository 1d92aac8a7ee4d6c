"""The framework as plain data: validation of sums and bands, scoring of bound criteria, ranks with ties.
No database."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from congvu.reform.framework import FrameworkError, Scoring, band_for, bound_points, competition_ranks, load_framework

DATA = Path(__file__).resolve().parents[2] / "src" / "congvu" / "reform" / "data"
D = Decimal


def small(**overrides):
    data = {
        "name": "Bộ chỉ số thử", "year": 2026, "target": "commune", "total": 10,
        "areas": [
            {"code": "1", "name": "Chỉ đạo", "max_points": 4, "children": [
                {"code": "1.1", "name": "Kế hoạch", "max_points": 1.5},
                {"code": "1.2", "name": "Báo cáo", "max_points": "2,5"},
            ]},
            {"code": "2", "name": "Thủ tục", "max_points": 6, "children": [
                {"code": "2.1", "name": "Đúng hạn", "max_points": 6, "metric": "on_time_rate",
                 "scoring": {"method": "thresholds", "thresholds": [["0.9", 4], ["0.98", 6]]}},
            ]},
        ],
    }
    data.update(overrides)
    return data


def errors_of(data, **kwargs):
    with pytest.raises(FrameworkError) as caught:
        load_framework(data, **kwargs)
    return caught.value.messages


@pytest.mark.parametrize("name", ["example_department.json", "example_commune.json"])
def test_shipped_examples_are_valid_and_marked_as_examples(name):
    data = json.loads((DATA / name).read_text("utf-8"))
    fw = load_framework({**data, "year": 2026}, known_metrics={"on_time_rate", "online_share", "satisfaction", "766.total"})
    assert fw.total == 100 and fw.example is True
    assert "VÍ DỤ" in data["legal_basis"]
    assert sum(a.max_points for a in fw.areas) == 100
    assert [b[0] for b in fw.bands] == ["A", "B", "C", "D"]
    assert any(leaf.is_bound for leaf in fw.leaves()) and any(not leaf.is_bound for leaf in fw.leaves())


def test_valid_small_framework_parses_decimal_commas_and_sorts_thresholds():
    fw = load_framework(small())
    assert fw.areas[0].children[1].max_points == D("2.5")
    assert fw.areas[1].children[0].scoring.thresholds == ((D("0.98"), D("6")), (D("0.9"), D("4")))
    assert fw.bands == (("A", D(90)), ("B", D(80)), ("C", D(70)), ("D", D(0)))  # default bands


def test_children_must_add_up_to_parent():
    data = small()
    data["areas"][0]["children"][1]["max_points"] = 2
    msgs = errors_of(data)
    assert any("1" in m and "3,5" in m and "4" in m for m in msgs), msgs


def test_areas_must_add_up_to_total():
    msgs = errors_of(small(total=12))
    assert any("10" in m and "12" in m for m in msgs), msgs


def test_every_problem_is_listed_at_once_in_vietnamese():
    data = small(name="", target="district", year="năm nay")
    data["areas"][1]["children"][0]["metric"] = "khong_co"
    msgs = errors_of(data, known_metrics={"on_time_rate"})
    assert len(msgs) >= 4
    assert any("tên" in m.lower() for m in msgs), msgs
    assert any("khong_co" in m for m in msgs)


def test_duplicate_codes_and_negative_points_are_refused():
    data = small()
    data["areas"][0]["children"][1]["code"] = "1.1"
    data["areas"][0]["children"][0]["max_points"] = -1
    msgs = errors_of(data)
    assert any("1.1" in m for m in msgs) and len(msgs) >= 2


def test_threshold_points_above_maximum_or_not_monotonic_are_refused():
    data = small()
    data["areas"][1]["children"][0]["scoring"] = {"method": "thresholds", "thresholds": [["0.9", 7], ["0.8", 1]]}
    assert errors_of(data)
    data["areas"][1]["children"][0]["scoring"] = {"method": "thresholds", "thresholds": [["0.9", 2], ["0.8", 3]]}
    assert errors_of(data)


@pytest.mark.parametrize("bands", [
    [["A", 90], ["B", 80]],            # no band from 0
    [["A", 90], ["A", 0]],             # same label
    [["A", 90], ["B", 90], ["C", 0]],  # same minimum
    [["A", 120], ["B", 0]],            # above the total
])
def test_bad_bands_are_refused(bands):
    assert errors_of(small(bands=bands, total=10) if bands[0][1] != 120 else small(bands=bands))


def test_custom_bands_are_kept_by_name():
    fw = load_framework(small(bands=[{"label": "Tốt", "min": 8}, {"label": "Khá", "min": 6.5}, {"label": "Yếu", "min": 0}]))
    assert band_for(fw.bands, D("6.5")) == "Khá"
    assert band_for(fw.bands, D("6.49")) == "Yếu"
    assert band_for(fw.bands, None) == ""


def test_default_band_edges():
    bands = load_framework(small()).bands
    assert [band_for(bands, D(x)) for x in ("90", "89.99", "80", "79.99", "70", "69.99", "0")] == ["A", "B", "B", "C", "C", "D", "D"]


def test_proportional_scoring():
    # 3-point criterion, on-time rate 0.9 → 2.7 points; a value above the scale is capped at the maximum.
    assert bound_points(Scoring("proportional"), D(3), D("0.9")) == D("2.70")
    assert bound_points(Scoring("proportional"), D(3), D("1.2")) == D("3.00")
    # A 766 total of 83.5 out of 100 on a 6-point criterion → 5.01 points.
    assert bound_points(Scoring("proportional", scale=D(100)), D(6), D("83.5")) == D("5.01")
    assert bound_points(Scoring("proportional"), D(3), None) == D(0)
    assert bound_points(Scoring("proportional"), D(3), D("-0.5")) == D(0)


def test_thresholds_scoring():
    s = Scoring("thresholds", thresholds=((D("0.98"), D(6)), (D("0.95"), D("4.8")), (D("0.9"), D(3))))
    assert bound_points(s, D(6), D("0.99")) == D(6)
    assert bound_points(s, D(6), D("0.98")) == D(6)
    assert bound_points(s, D(6), D("0.9799")) == D("4.8")
    assert bound_points(s, D(6), D("0.9")) == D(3)
    assert bound_points(s, D(6), D("0.8999")) == D(0)


def test_competition_ranks_share_ties_and_skip():
    assert competition_ranks([D(80), D(95), D(80), None, D(70)]) == [2, 1, 2, None, 4]


def test_metric_on_a_parent_or_scoring_without_metric_is_refused():
    data = copy.deepcopy(small())
    data["areas"][0]["metric"] = "on_time_rate"
    assert errors_of(data)
    data = copy.deepcopy(small())
    data["areas"][0]["children"][0]["scoring"] = {"method": "proportional"}
    assert errors_of(data)
