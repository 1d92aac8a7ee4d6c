"""The Decision 766 scheme as data, its validation, the scoring rules and the confidence intervals. No database."""

import copy
from decimal import Decimal

import pytest

from congvu.indices.measures import Measure
from congvu.indices.scoring import (
    SchemeError,
    default_scheme,
    default_scheme_data,
    load_scheme,
    mean_interval,
    score,
    wilson_interval,
)

D = Decimal


@pytest.fixture(scope="module")
def scheme():
    return default_scheme()


def points(scheme, code, measure, values=None):
    return score(scheme, {code: measure}, values).indicator(code)


# -- the shipped scheme -----------------------------------------------------------------------------------------

def test_default_scheme_has_the_six_portal_groups_and_all_indicators(scheme):
    assert [(g.code, g.max_points) for g in scheme.groups] == [
        ("CKMB", 18), ("TDGQ", 20), ("CLGQ", 12), ("TTTT", 10), ("MDSH", 22), ("MDHL", 18)]
    assert scheme.total == 100
    assert [i.code for i in scheme.indicators] == [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "3.1", "3.2", "3.3", "3.5", "3.5b", "3.6",
        "4.1", "4.2", "4.3", "4.4", "4.5a", "4.5b", "4.6", "5.1", "5.2", "5.3", "5.4"]
    maxima = {i.code: i.max_points for i in scheme.indicators}
    assert maxima == {"1.1": 6, "1.2": 4, "1.3": 2, "1.4": 6, "2.1": 20, "2.2": 0, "3.1": 2, "3.2": 4, "3.3": 6,
                      "3.5": 2, "3.5b": 2, "3.6": 6, "4.1": 6, "4.2": 4, "4.3": 2, "4.4": 4, "4.5a": 2,
                      "4.5b": 2, "4.6": 2, "5.1": 0, "5.2": 6, "5.3": 6, "5.4": 6}
    thresholds = {i.code: i.threshold for i in scheme.indicators if i.rule == "threshold"}
    assert thresholds == {"3.1": D("0.8"), "3.3": D("0.5"), "3.5": D("0.8"), "4.2": D("0.8"), "5.4": D("0.9")}
    assert {i.code for i in scheme.indicators if i.rule == "monitoring"} == {"2.2", "5.1"}
    assert {i.code for i in scheme.indicators if i.when_empty == "full"} == {"5.2", "5.3"}
    assert "không có trong tài liệu mô tả công thức" in scheme.indicator("4.6").note
    assert "mâu thuẫn" in scheme.indicator("4.2").note


def test_bands_are_the_dak_lak_tools_and_say_they_are_not_law(scheme):
    assert scheme.bands == ((90, "Xuất sắc"), (80, "Tốt"), (70, "Khá"), (50, "Trung bình"), (0, "Yếu"))
    assert "Đắk Lắk" in scheme.bands_source and "không phải quy định pháp lý" in scheme.bands_source
    assert [scheme.band_for(D(t)) for t in ("100", "90", "89.99", "80", "70", "69.99", "50", "49.99", "0")] == [
        "Xuất sắc", "Xuất sắc", "Tốt", "Tốt", "Khá", "Trung bình", "Trung bình", "Yếu", "Yếu"]


def test_all_rates_at_100_percent_give_100_points_and_the_top_band(scheme):
    measures = {i.code: Measure(7, 7) for i in scheme.indicators}
    result = score(scheme, measures)
    assert result.total == D("100.00")
    assert result.band == "Xuất sắc"
    assert [(g.code, g.points) for g in result.groups] == [
        ("CKMB", 18), ("TDGQ", 20), ("CLGQ", 12), ("TTTT", 10), ("MDSH", 22), ("MDHL", 18)]


def test_default_scheme_data_is_a_fresh_copy():
    first = default_scheme_data()
    first["groups"].clear()
    assert default_scheme_data()["groups"]


# -- rules --------------------------------------------------------------------------------------------------------

def test_linear_rule_rounds_half_up_to_cents(scheme):
    row = points(scheme, "2.1", Measure(12345, 20000))  # 20 × 0.61725 = 12.345
    assert row.points == D("12.35")
    assert row.value == D("61.73")
    assert row.rule_text == "12.345/20.000 = 61,73% × 20 → 12,35/20 điểm"
    assert points(scheme, "1.1", Measure(1, 3)).points == D("2.00")  # 6/3


@pytest.mark.parametrize("numerator, expected", [(40, "2.00"), (32, "2.00"), (31, "1.94"), (0, "0.00")])
def test_threshold_rule_at_and_around_80_percent(scheme, numerator, expected):
    # 3.1: full at ≥ 80%; 31/40 = 77.5% → 0.775 × 2 / 0.8 = 1.9375 → 1.94
    assert points(scheme, "3.1", Measure(numerator, 40)).points == D(expected)


def test_threshold_rule_texts(scheme):
    assert points(scheme, "3.1", Measure(37, 40)).rule_text == "37/40 = 92,50% ≥ ngưỡng 80% → 2,00/2 điểm"
    assert points(scheme, "3.3", Measure(30, 100)).rule_text == (
        "30/100 = 30,00% < ngưỡng 50% → 30,00% × 6 / 50% = 3,60/6 điểm")


@pytest.mark.parametrize("numerator, expected", [(50, "6.00"), (49, "5.88"), (80, "6.00")])
def test_online_filing_threshold_is_50_percent(scheme, numerator, expected):
    assert points(scheme, "3.3", Measure(numerator, 100)).points == D(expected)  # 0.49 × 6 / 0.5 = 5.88


@pytest.mark.parametrize("numerator, expected", [(90, "6.00"), (89, "5.93"), (45, "3.00")])
def test_5_4_threshold_is_90_percent(scheme, numerator, expected):
    assert points(scheme, "5.4", Measure(numerator, 100)).points == D(expected)  # 0.89 × 6 / 0.9 = 5.933…


@pytest.mark.parametrize("code", ["3.5b", "4.3"])
@pytest.mark.parametrize("numerator, expected", [(0, "0.00"), (1, "0.25"), (4, "1.00"), (7, "1.75"),
                                                 (8, "2.00"), (10, "2.00")])
def test_capped_slope_is_min_of_max_and_2_5_times_rate(scheme, code, numerator, expected):
    # 3.5b: min(2, 2.5 × rate); 4.3: min(2, 2 × rate / 0.8) — the same line, capped at 80%.
    assert points(scheme, code, Measure(numerator, 10)).points == D(expected)


def test_capped_slope_text(scheme):
    assert points(scheme, "3.5b", Measure(1, 3)).rule_text == "1/3 = 33,33%; min(2; 2,5 × 33,33%) → 0,83/2 điểm"


def test_rate_above_100_percent_never_earns_more_than_the_maximum(scheme):
    assert points(scheme, "2.1", Measure(11, 10)).points == D("20.00")


def test_monitoring_rows_show_their_value_and_score_nothing(scheme):
    row = points(scheme, "2.2", None, {"2.2": D("3.456")})
    assert (row.points, row.max_points, row.value) == (0, 0, D("3.456"))
    assert row.rule_text == "Chỉ theo dõi, không tính điểm: 3,46 ngày."
    row = points(scheme, "5.1", Measure(3, 4))
    assert (row.points, row.value) == (0, D("75.00"))
    assert "3/4 = 75,00%" in row.rule_text


@pytest.mark.parametrize("code", ["5.2", "5.3"])
def test_no_feedback_gives_full_points_to_5_2_and_5_3(scheme, code):
    row = points(scheme, code, Measure(0, 0))
    assert row.points == D("6.00")
    assert row.rule_text == "Mẫu số bằng 0 (không có gì để tính) → đủ 6,00/6 điểm."


def test_5_4_with_nothing_received_scores_zero(scheme):
    row = points(scheme, "5.4", Measure(0, 0))
    assert row.points == 0
    assert row.rule_text == "Mẫu số bằng 0 (không có gì để tính) → 0,00/6 điểm."


def test_an_indicator_this_system_cannot_measure_scores_zero_and_says_so(scheme):
    result = score(scheme, {"2.1": Measure(1, 1)})
    row = result.indicator("1.4")
    assert (row.measure, row.value, row.points) == (None, None, 0)
    assert "chưa đo được" in row.rule_text
    assert result.total == D("20.00")
    assert result.band == "Yếu"


def test_total_is_the_sum_of_rounded_group_points(scheme):
    # three indicators each at 1/3: 6/3 = 2, 4/3 = 1.333 → 1.33, 2/3 = 0.667 → 0.67 → group 4.00
    result = score(scheme, {"1.1": Measure(1, 3), "1.2": Measure(1, 3), "1.3": Measure(1, 3)})
    assert result.group("CKMB").points == D("4.00")
    assert result.total == D("4.00")


# -- validation ---------------------------------------------------------------------------------------------------

def _broken(change):
    data = copy.deepcopy(default_scheme_data())
    change(data)
    return data


def _indicator(data, code):
    return next(i for i in data["indicators"] if i["code"] == code)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["groups"][0].update(max_points=19), "Điểm tối đa các nhóm cộng lại là 101, khác tổng điểm 100."),
    (lambda d: _indicator(d, "1.1").update(max_points=5),
     "Điểm tối đa các chỉ số của nhóm CKMB cộng lại là 17, khác điểm tối đa của nhóm (18)."),
    (lambda d: _indicator(d, "3.1").update(threshold=0), "Ngưỡng của chỉ số 3.1 phải lớn hơn 0 và không quá 1 (100%)."),
    (lambda d: _indicator(d, "3.1").update(threshold=1.2), "Ngưỡng của chỉ số 3.1 phải lớn hơn 0 và không quá 1"),
    (lambda d: _indicator(d, "2.1").update(threshold=0.8), "Chỉ số 2.1 tính tuyến tính nên ngưỡng phải là 1"),
    (lambda d: _indicator(d, "3.1").update(rule="magic"), "Cách tính điểm của chỉ số 3.1 không hợp lệ: 'magic'"),
    (lambda d: _indicator(d, "3.1").update(group="XX"), "Chỉ số 3.1 thuộc nhóm XX không có trong bộ chỉ số."),
    (lambda d: _indicator(d, "3.1").update(code="1.1"), "Mã chỉ số 1.1 bị trùng."),
    (lambda d: _indicator(d, "2.2").update(max_points=1), "Chỉ số 2.2 chỉ theo dõi nên điểm tối đa phải bằng 0."),
    (lambda d: _indicator(d, "3.5b").update(slope=3), "Chỉ số 3.5b: hệ số 3 × ngưỡng 0,8 phải bằng điểm tối đa 2."),
    (lambda d: _indicator(d, "5.2").update(when_empty="half"), "Quy tắc khi mẫu số bằng 0 của chỉ số 5.2"),
    (lambda d: _indicator(d, "5.2").update(max_points=True), "Điểm tối đa của chỉ số 5.2 phải là một số."),
    (lambda d: _indicator(d, "5.2").update(max_points="sáu"), "Điểm tối đa của chỉ số 5.2 phải là một số."),
    (lambda d: _indicator(d, "5.2").update(name=""), "Tên của chỉ số 5.2 phải là một chuỗi không rỗng."),
    (lambda d: d.update(total=0), "Tổng điểm của bộ chỉ số phải lớn hơn 0."),
    (lambda d: d.update(groups=[]), "Bộ chỉ số phải có danh sách nhóm (groups) không rỗng."),
    (lambda d: d["groups"].append({"code": "CKMB", "name": "x", "max_points": 0}), "Mã nhóm CKMB bị trùng."),
    (lambda d: d["bands"].pop(), "Thang xếp loại phải có một mức bắt đầu từ 0 điểm"),
    (lambda d: d["bands"][0].update(min_total=101), "Điểm tối thiểu của mức \"Xuất sắc\" phải từ 0 đến 100."),
    (lambda d: d["bands"][1].update(min_total=90), "Hai mức xếp loại không được có cùng điểm tối thiểu."),
])
def test_inconsistent_schemes_are_refused_in_vietnamese(change, message):
    with pytest.raises(SchemeError) as error:
        load_scheme(_broken(change))
    assert message in str(error.value)


def test_a_scheme_that_is_not_an_object_is_refused():
    with pytest.raises(SchemeError, match="phải là một đối tượng JSON"):
        load_scheme([])


def test_a_group_without_indicators_is_refused():
    def change(data):
        data["groups"].append({"code": "NEW", "name": "Nhóm mới", "max_points": 0})
    with pytest.raises(SchemeError, match="Nhóm NEW không có chỉ số nào."):
        load_scheme(_broken(change))


def test_a_province_may_move_points_between_indicators_of_a_group():
    def change(data):
        _indicator(data, "4.2").update(threshold=1, rule="linear")  # the API fit instead of the formula document
        _indicator(data, "4.4").update(max_points=3)
        _indicator(data, "4.6").update(max_points=3)
    scheme = load_scheme(_broken(change))
    assert scheme.indicator("4.6").max_points == 3
    assert points(scheme, "4.2", Measure(8, 10)).points == D("3.20")


def test_bands_may_be_left_out():
    def change(data):
        data["bands"] = []
    assert score(load_scheme(_broken(change)), {}).band == ""


# -- confidence intervals -----------------------------------------------------------------------------------------

def test_wilson_interval_matches_the_hand_computation():
    # 8 of 10, z = 1.96: centre = (0.8 + 0.19208) / 1.38416 = 0.716738…,
    # half = 1.96 / 1.38416 × √(0.016 + 0.009604) = 0.226580… → (0.4902, 0.9433)
    low, high = wilson_interval(8, 10)
    assert round(low, 4) == D("0.4902")
    assert round(high, 4) == D("0.9433")


def test_wilson_interval_stays_inside_0_and_1():
    low, high = wilson_interval(10, 10)  # centre 0.8612, half 0.1388 → (0.7225, 1)
    assert round(low, 4) == D("0.7225")
    assert high == 1
    low, high = wilson_interval(0, 10)
    assert low == 0
    assert round(high, 4) == D("0.2775")


def test_wilson_interval_of_nobody_is_none_and_bad_counts_are_refused():
    assert wilson_interval(0, 0) == (None, None)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_mean_interval_matches_the_hand_computation():
    # [4, 5, 6, 5]: mean 5, s² = 2/3, s/√4 = 0.408248…, × 1.96 = 0.800167…
    mean, low, high = mean_interval([4, 5, 6, 5])
    assert mean == 5
    assert round(low, 4) == D("4.1998")
    assert round(high, 4) == D("5.8002")
    mean, low, high = mean_interval([D("4.5"), 3.5], z=1)  # s = 0.7071…, s/√2 = 0.5
    assert (mean, round(low, 6), round(high, 6)) == (4, D("3.5"), D("4.5"))


def test_mean_interval_needs_two_values_for_a_spread():
    assert mean_interval([D(4)]) == (4, None, None)
    assert mean_interval([]) == (None, None, None)
