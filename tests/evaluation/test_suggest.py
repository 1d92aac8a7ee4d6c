"""Suggested points from the month's facts (congvu.evaluation.suggest): pure arithmetic, no database."""

import datetime as dt
from decimal import Decimal

import pytest

from congvu.evaluation.prefill import StaffMonthFacts
from congvu.evaluation.suggest import scoring_problems, source_value, suggest

D = Decimal


def facts(**values) -> StaffMonthFacts:
    return StaffMonthFacts(user_id=1, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), **values)


TIMELINESS = {"code": "timeliness", "points": 20, "source": "on_time_share", "scoring": {"method": "share", "max": 20}}
DISCIPLINE = {"code": "discipline", "source": "inspection_violations", "scoring": {"method": "deduct_per", "max": 5, "per": "2.5"}}
ATTITUDE = {"code": "attitude", "source": "complaints_upheld", "scoring": {"method": "deduct_per", "max": 10, "per": 3}}


def test_share_is_the_proportion_of_the_maximum_rounded_to_two_places():
    f = facts(steps_finished=3, steps_on_time=2, steps_late=1, on_time_share=D("66.67"))
    assert suggest(f, [TIMELINESS]) == {"timeliness": D("13.33")}  # 20 × 66.67 / 100 = 13.334
    assert suggest(facts(steps_finished=4, steps_on_time=4, on_time_share=D("100.00")), [TIMELINESS]) == {"timeliness": D("20.00")}


def test_rounding_is_half_up():
    criterion = {"code": "x", "source": "on_time_share", "scoring": {"method": "share", "max": 1}}
    assert suggest(facts(on_time_share=D("12.5")), [criterion]) == {"x": D("0.13")}  # 0.125 → 0.13


def test_nothing_finished_gives_no_suggestion_unless_the_framework_says_what_to_give():
    assert suggest(facts(), [TIMELINESS]) == {}
    generous = {**TIMELINESS, "scoring": {"method": "share", "max": 20, "when_none": 20}}
    assert suggest(facts(), [generous]) == {"timeliness": D("20.00")}


def test_thresholds_give_the_points_of_the_highest_one_reached():
    banded = {"code": "t", "source": "on_time_share", "scoring": {"method": "share", "max": 20, "thresholds": [
        {"at_least": 80, "points": 15}, {"at_least": 100, "points": 20}, {"at_least": 50, "points": "7.5"}]}}
    assert suggest(facts(on_time_share=D("100")), [banded]) == {"t": D("20.00")}
    assert suggest(facts(on_time_share=D("99.99")), [banded]) == {"t": D("15.00")}
    assert suggest(facts(on_time_share=D("80")), [banded]) == {"t": D("15.00")}
    assert suggest(facts(on_time_share=D("50")), [banded]) == {"t": D("7.50")}
    assert suggest(facts(on_time_share=D("49.99")), [banded]) == {"t": D("0.00")}


def test_deduct_per_subtracts_and_stops_at_zero():
    assert suggest(facts(), [DISCIPLINE]) == {"discipline": D("5.00")}
    assert suggest(facts(inspection_violations=1), [DISCIPLINE]) == {"discipline": D("2.50")}
    assert suggest(facts(inspection_violations=2), [DISCIPLINE]) == {"discipline": D("0.00")}
    assert suggest(facts(inspection_violations=7), [DISCIPLINE]) == {"discipline": D("0.00")}
    assert suggest(facts(complaints_upheld=1), [ATTITUDE]) == {"attitude": D("7.00")}


def test_a_count_against_a_target_is_a_share_capped_at_the_maximum():
    training = {"code": "learning", "source": "training_hours", "scoring": {"method": "share", "max": 4, "target": 8}}
    assert suggest(facts(training_hours=D("6.0")), [training]) == {"learning": D("3.00")}
    assert suggest(facts(training_hours=D("16")), [training]) == {"learning": D("4.00")}
    assert suggest(facts(), [training]) == {"learning": D("0.00")}
    quantity = {"code": "quantity", "source": "steps_finished", "scoring": {"method": "share", "max": 30, "target": 60}}
    assert suggest(facts(steps_finished=45), [quantity]) == {"quantity": D("22.50")}


def test_satisfied_ratings_share():
    service = {"code": "service", "source": "ratings_satisfied_share", "scoring": {"method": "share", "max": 10}}
    assert suggest(facts(ratings_count=3, ratings_satisfied=2), [service]) == {"service": D("6.67")}
    assert suggest(facts(), [service]) == {}
    assert source_value(facts(ratings_count=3, ratings_satisfied=2), "ratings_satisfied_share") == D("66.67")


def test_criteria_without_a_source_are_left_out_and_several_are_scored_at_once():
    framework = [{"code": "politics", "points": 5}, TIMELINESS, DISCIPLINE, ATTITUDE, {"code": "innovation", "source": ""}]
    f = facts(steps_finished=10, steps_on_time=9, steps_late=1, on_time_share=D("90.00"), inspection_violations=1, complaints_upheld=4)
    assert suggest(f, framework) == {"timeliness": D("18.00"), "discipline": D("2.50"), "attitude": D("0.00")}


def test_stored_facts_as_a_dict_give_the_same_suggestion():
    f = facts(steps_finished=3, steps_on_time=2, steps_late=1, on_time_share=D("66.67"), inspection_violations=1)
    assert suggest(f.as_dict(), [TIMELINESS, DISCIPLINE]) == suggest(f, [TIMELINESS, DISCIPLINE])


@pytest.mark.parametrize(("criterion", "words"), [
    ({"code": "a", "source": "mood"}, "không được hỗ trợ"),
    ({"code": "a", "source": "on_time_share"}, "thiếu cách tính điểm"),
    ({"code": "a", "source": "on_time_share", "scoring": {"method": "guess", "max": 5}}, "cách tính «guess»"),
    ({"code": "a", "source": "on_time_share", "scoring": {"method": "share"}}, "thiếu «max»"),
    ({"code": "a", "source": "on_time_share", "scoring": {"method": "share", "max": "nhiều"}}, "phải là một số"),
    ({"code": "a", "source": "on_time_share", "scoring": {"method": "share", "max": True}}, "phải là một số"),
    ({"code": "a", "source": "on_time_share", "scoring": {"method": "share", "max": -1}}, "không nhỏ hơn 0"),
    ({"code": "a", "source": "steps_finished", "scoring": {"method": "share", "max": 5}}, "cần chỉ tiêu"),
    ({"code": "a", "source": "steps_finished", "scoring": {"method": "share", "max": 5, "target": 0}}, "lớn hơn 0"),
    ({"code": "a", "source": "inspection_violations", "scoring": {"method": "deduct_per", "max": 5}}, "thiếu «per»"),
    ({"code": "a", "source": "on_time_share", "scoring": {"method": "share", "max": 5, "thresholds": []}}, "không rỗng"),
    ({"code": "a", "source": "on_time_share", "scoring": {"method": "share", "max": 5, "thresholds": [{"at_least": 90, "points": 6}]}},
     "vượt quá điểm tối đa"),
    ({"code": "a", "source": "on_time_share", "scoring": {"method": "share", "max": 5, "when_none": 9}}, "vượt quá điểm tối đa"),
    ({"code": "", "source": "on_time_share", "scoring": {"method": "share", "max": 5}}, "phải có mã"),
])
def test_a_binding_that_cannot_be_applied_is_refused_in_vietnamese(criterion, words):
    with pytest.raises(ValueError, match=words):
        suggest(facts(on_time_share=D("50")), [criterion])
    problems = scoring_problems([TIMELINESS, criterion])
    assert len(problems) == 1 and words in problems[0]


def test_a_sound_framework_has_no_problems():
    assert scoring_problems([{"code": "politics"}, TIMELINESS, DISCIPLINE, ATTITUDE]) == []


def test_the_arithmetic_and_the_facts_record_load_without_django():
    import subprocess
    import sys

    code = ("import sys, congvu.evaluation.suggest, congvu.evaluation.prefill; "
            "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def _criteria_of(node):
    """Every criterion dict of a framework file, wherever its groups nest them."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "criteria" and isinstance(value, list):
                yield from (c for c in value if isinstance(c, dict))
            else:
                yield from _criteria_of(value)
    elif isinstance(node, list):
        for item in node:
            yield from _criteria_of(item)


def test_the_shipped_frameworks_bind_criteria_this_module_can_apply():
    import json
    from pathlib import Path

    import congvu.evaluation

    files = sorted((Path(congvu.evaluation.__file__).parent / "data").glob("*.json"))
    assert files
    for path in files:
        criteria = list(_criteria_of(json.loads(path.read_text(encoding="utf-8"))))
        bound = [c for c in criteria if c.get("source")]
        assert bound and scoring_problems(criteria) == [], path.name
        # A month with one inspection violation, one upheld complaint and 90% on time suggests within each maximum.
        f = facts(steps_finished=10, steps_on_time=9, steps_late=1, on_time_share=D("90.00"), inspection_violations=1, complaints_upheld=1,
                  ratings_count=4, ratings_satisfied=3)
        suggested = suggest(f, criteria)
        assert set(suggested) == {c["code"] for c in bound}
        for c in bound:
            assert D(0) <= suggested[c["code"]] <= D(str(c["scoring"]["max"]))
