"""Tracking codes, the feedback state table, deadline rules and score aggregation: pure Python, no database."""

import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from congvu.feedback import codes
from congvu.feedback.scoring import (
    Aggregation, Factor, Perception, SchemeRules, check_answers, factor_index, is_dislike, mean_score, rate, sipas_index,
)
from congvu.feedback.workflow import (
    DeadlineRules, FeedbackAction, FeedbackState, TransitionNotAllowed, allowed_actions, current_due, deadlines_from_receipt, is_late,
    is_overdue, next_state, publish_deadline, resume_deadline,
)
from congvu.workcal.official import official_calendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
SRC = Path(__file__).resolve().parents[2] / "src"


def at(*args):
    return dt.datetime(*args, tzinfo=HCM)


# ------------------------------------------------------------------------------------------------ codes


def test_new_code_has_the_documented_shape_and_validates():
    code = codes.new_code(dt.date(2026, 3, 2), choice=lambda alphabet: alphabet[0])
    assert code.startswith("PA-260302-22222") and len(code) == len("PA-260302-XXXXXC")
    assert codes.is_valid_code(code)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)), st.data())
@settings(max_examples=200, deadline=None)
def test_any_single_mistyped_character_is_caught(day, data):
    code = codes.new_code(day)
    assert codes.is_valid_code(code)
    position = data.draw(st.sampled_from([i for i, ch in enumerate(code) if ch in codes.ALPHABET and i > 9]))
    replacement = data.draw(st.sampled_from([ch for ch in codes.ALPHABET if ch != code[position]]))
    assert not codes.is_valid_code(code[:position] + replacement + code[position + 1:])


def test_a_mistyped_day_digit_is_caught():
    code = codes.new_code(dt.date(2026, 3, 2))
    assert not codes.is_valid_code(code.replace("260302", "260305"))


def test_normalise_accepts_what_people_type():
    code = codes.new_code(dt.date(2026, 3, 2))
    compact = code.replace("-", "").lower()
    assert codes.normalise_code(f"  {compact[:5]} {compact[5:]} ") == code
    assert codes.normalise_code(code.lower()) == code


@pytest.mark.parametrize("text", ["", "PA-260302", "PA-261332-22222X", "XX-260302-222222", "PA-260302-0OIL11", None, "PA-260302-22222\x00"])
def test_malformed_codes_are_refused(text):
    assert not codes.is_valid_code(text)


# ------------------------------------------------------------------------------------------------ workflow


def test_state_table():
    assert next_state(FeedbackAction.SUBMIT, None) == FeedbackState.RECEIVED
    assert next_state(FeedbackAction.RECORD, None) == FeedbackState.RECEIVED
    assert next_state(FeedbackAction.ACCEPT, FeedbackState.RECEIVED) == FeedbackState.ACCEPTED
    assert next_state(FeedbackAction.REQUEST_INFO, FeedbackState.ACCEPTED) == FeedbackState.AWAITING_INFO
    assert next_state(FeedbackAction.PROVIDE_INFO, FeedbackState.AWAITING_INFO) == FeedbackState.ACCEPTED
    assert next_state(FeedbackAction.ANSWER, FeedbackState.RECEIVED) == FeedbackState.ANSWERED
    assert next_state(FeedbackAction.PUBLISH, FeedbackState.ANSWERED) == FeedbackState.PUBLISHED
    assert next_state(FeedbackAction.RATE_ANSWER, FeedbackState.PUBLISHED) == FeedbackState.PUBLISHED
    assert next_state(FeedbackAction.REFUSE, FeedbackState.AWAITING_INFO) == FeedbackState.REFUSED


@pytest.mark.parametrize("action, state", [
    (FeedbackAction.ANSWER, FeedbackState.AWAITING_INFO),
    (FeedbackAction.ANSWER, FeedbackState.ANSWERED),
    (FeedbackAction.PUBLISH, FeedbackState.ACCEPTED),
    (FeedbackAction.REFUSE, FeedbackState.ANSWERED),
    (FeedbackAction.RATE_ANSWER, FeedbackState.ACCEPTED),
    (FeedbackAction.SUBMIT, FeedbackState.RECEIVED),
    (FeedbackAction.ACCEPT, None),
])
def test_forbidden_transitions(action, state):
    with pytest.raises(TransitionNotAllowed):
        next_state(action, state)


def test_closed_states_allow_nothing_but_the_verdict():
    assert allowed_actions(FeedbackState.REFUSED) == []
    assert allowed_actions(FeedbackState.PUBLISHED) == [FeedbackAction.RATE_ANSWER]


CAL = official_calendar()
RULES = DeadlineRules()


def test_deadlines_skip_the_weekend():
    # Received Thursday 5 March 2026: 2 working days → Monday 9 March; 5 → Thursday 12 March; 15 → Thursday 26 March.
    due = deadlines_from_receipt(CAL, at(2026, 3, 5, 10), RULES)
    assert due.refuse.date() == dt.date(2026, 3, 9)
    assert due.request_info.date() == dt.date(2026, 3, 12)
    assert due.answer.date() == dt.date(2026, 3, 26)
    assert due.answer.timetz().replace(tzinfo=None) == dt.time(17, 0)


def test_deadlines_skip_the_lunar_new_year():
    # Received Friday 13 February 2026, the last working day before Tết (Sat 14 – Sun 22 Feb off): the
    # refusal is due Tuesday 24 February, and publication of an answer given that Friday too.
    due = deadlines_from_receipt(CAL, at(2026, 2, 13, 9), RULES)
    assert due.refuse.date() == dt.date(2026, 2, 24)
    assert publish_deadline(CAL, at(2026, 2, 13, 16), RULES).date() == dt.date(2026, 2, 24)


def test_deadlines_honour_the_swapped_new_year_working_saturday():
    # VPCP 12729/VPCP-KGVX: Friday 2 January 2026 off, Saturday 10 January worked.
    due = deadlines_from_receipt(CAL, at(2025, 12, 31, 9), DeadlineRules(refuse_days=1))
    assert due.refuse.date() == dt.date(2026, 1, 5)
    assert publish_deadline(CAL, at(2026, 1, 9, 9), DeadlineRules(publish_days=1)).date() == dt.date(2026, 1, 10)


def test_waiting_for_the_sender_moves_the_answer_deadline_by_the_office_time_waited():
    due = deadlines_from_receipt(CAL, at(2026, 3, 2, 9), RULES).answer
    moved = resume_deadline(CAL, due, at(2026, 3, 3, 9), at(2026, 3, 5, 9))  # two working days waited
    assert CAL.working_days_between(due, moved) == 2
    assert resume_deadline(CAL, due, at(2026, 3, 7, 9), at(2026, 3, 8, 9)) == due  # a weekend costs nothing


def test_lateness_and_current_deadline():
    due = at(2026, 3, 20, 17)
    assert not is_late(due, due) and is_late(due + dt.timedelta(seconds=1), due)
    assert current_due(FeedbackState.ACCEPTED, due, None) == due
    assert current_due(FeedbackState.ANSWERED, due, due + dt.timedelta(days=2)) == due + dt.timedelta(days=2)
    assert current_due(FeedbackState.AWAITING_INFO, due, None) is None
    assert is_overdue(FeedbackState.RECEIVED, due, due + dt.timedelta(minutes=1))
    assert not is_overdue(FeedbackState.PUBLISHED, due, due + dt.timedelta(days=9))


@pytest.mark.parametrize("kwargs", [{"answer_days": -1}, {"refuse_days": 1.5}, {"publish_days": True}])
def test_deadline_rules_must_be_whole_working_days(kwargs):
    with pytest.raises(ValueError):
        DeadlineRules(**kwargs)


# ------------------------------------------------------------------------------------------------ scoring


def test_share_satisfied_default_and_mean_score():
    rules = SchemeRules()
    assert factor_index({5: 6, 4: 2, 3: 1, 1: 1}, rules) == pytest.approx(80.0)
    assert factor_index({}, rules) is None
    assert factor_index({5: 1, 1: 1}, SchemeRules(aggregation=Aggregation.MEAN_SCORE)) == pytest.approx(50.0)
    per_factor, index = sipas_index({Factor.ACCESS: {5: 1}, Factor.OFFICER: {2: 1, 4: 1}}, rules)
    assert per_factor[Factor.ACCESS] == 100 and per_factor[Factor.OFFICER] == 50 and per_factor[Factor.RESULT] is None
    assert index == pytest.approx(75.0)


def test_dislike_and_mean():
    rules = SchemeRules()
    assert is_dislike([5, 5, 2, 4, None], rules) and not is_dislike([3, 4, 5, 5, None], rules)
    assert mean_score([4, 5, None]) == 4.5 and mean_score([None]) is None
    assert rate(1, 4) == 25 and rate(0, 0) is None


def test_check_answers_names_each_problem():
    rules = SchemeRules()
    full = {f: 4 for f in Factor if f != Factor.FEEDBACK}
    perceptions = {Perception.TRIPS: 0, Perception.EXTRA_MONEY: 0, Perception.APPOINTMENT: 1}
    assert check_answers(full, perceptions, rules) == []
    assert "missing:officer" in check_answers({**full, Factor.OFFICER: None}, perceptions, rules)
    assert "range:access" in check_answers({**full, Factor.ACCESS: 6}, perceptions, rules)
    assert "range:trips" in check_answers(full, {**perceptions, Perception.TRIPS: 7}, rules)
    assert "apology_without_lateness" in check_answers(full, {**perceptions, Perception.APOLOGY: 1}, rules)
    assert check_answers(full, {**perceptions, Perception.APPOINTMENT: 0, Perception.APOLOGY: 1}, rules) == []


@pytest.mark.parametrize("kwargs", [{"scale_max": 2}, {"satisfied_at_least": 6}, {"dislike_at_most": 4}, {"dislike_at_most": 0}])
def test_scheme_rules_must_fit_the_scale(kwargs):
    with pytest.raises(ValueError):
        SchemeRules(**kwargs)


def test_pure_modules_do_not_import_django():
    probe = (
        "import sys, congvu.feedback.codes, congvu.feedback.workflow, congvu.feedback.scoring;"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], env={"PYTHONPATH": str(SRC)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
