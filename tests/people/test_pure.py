"""Discipline ordering, follow-up status and checklist validation: no database."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest

from congvu.people import checklist, discipline, followup
from congvu.people.selectors import discipline_severity

D = dt.date


def test_severity_orders_the_forms_lightest_first():
    assert [discipline_severity(f) for f in discipline.DISCIPLINE_FORMS] == [1, 2, 3, 4, 5, 6]
    assert discipline_severity("reprimand") == 1 and discipline_severity("dismissal") == 6
    assert discipline_severity("warning") < discipline_severity("salary_reduction") < discipline_severity("demotion") < discipline_severity("removal")


def test_unknown_form_is_an_error_not_zero():
    with pytest.raises(ValueError):
        discipline_severity("scolding")


def test_heaviest_and_threshold():
    assert discipline.heaviest(["reprimand", "demotion", "warning"]) == "demotion"
    assert discipline.heaviest([]) is None
    assert discipline.at_least("warning", "warning") and discipline.at_least("removal", "warning")
    assert not discipline.at_least("reprimand", "warning")


def test_in_force_bounds_are_inclusive():
    assert discipline.in_force(D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 31))
    assert not discipline.in_force(D(2026, 1, 2), None, D(2026, 1, 1))
    assert discipline.in_force(None, None, D(2030, 1, 1))


def test_dates_checked():
    assert discipline.check_dates(D(2026, 5, 1), D(2026, 4, 30), None) == [("effective_from", "before_decision")]
    assert discipline.check_dates(D(2026, 5, 1), None, D(2026, 4, 1)) == [("effective_to", "before_start")]
    assert discipline.check_dates(D(2026, 5, 1), D(2026, 5, 1), D(2027, 5, 1)) == []


def test_newest_first_then_heavier():
    r = lambda pk, day, form: SimpleNamespace(pk=pk, decision_date=day, form=form)  # noqa: E731
    records = [r(1, D(2026, 3, 1), "warning"), r(2, D(2026, 6, 1), "reprimand"), r(3, D(2026, 3, 1), "demotion")]
    assert [x.pk for x in discipline.sort_newest_first(records)] == [2, 3, 1]


def test_follow_up_status():
    deadline = D(2026, 11, 15)
    assert followup.follow_up_status("open", deadline, D(2026, 11, 15)) == "open"
    assert followup.follow_up_status("open", deadline, D(2026, 11, 16)) == "overdue"
    assert followup.follow_up_status("reported", deadline, D(2026, 12, 1), reported_on=D(2026, 11, 10)) == "reported"
    assert followup.follow_up_status("reported", deadline, D(2026, 12, 1), reported_on=D(2026, 11, 20)) == "reported_late"
    assert followup.follow_up_status("done", deadline, D(2027, 1, 1)) == "done"
    assert followup.days_left(deadline, D(2026, 11, 10)) == 5


def test_shipped_checklist_is_valid_and_covers_the_office_rules():
    (shipped,) = checklist.shipped_checklists()
    labels = " ".join(i.label for i in shipped.items).lower()
    for words in ("giờ làm việc", "thẻ công chức", "trang phục", "đồ uống có cồn", "niêm yết", "đúng hạn", "thái độ", "ứng xử"):
        assert words in labels
    groups = {i.group for i in shipped.items}
    assert {"Tinh thần, thái độ làm việc", "Chuẩn mực giao tiếp, ứng xử", "Đạo đức, lối sống", "Trang phục, thẻ công chức"} <= groups
    assert "1847/QĐ-TTg" in shipped.legal_basis and "129/2007/QĐ-TTg" in shipped.legal_basis
    assert len({i.code for i in shipped.items}) == len(shipped.items)


def test_bad_checklists_list_every_problem():
    with pytest.raises(checklist.ChecklistError):
        checklist.load_checklist(["not", "an", "object"])
    data = {"code": "", "name": "X", "groups": [{"name": "G", "items": [{"code": "1", "label": "a"}, {"code": "1", "label": "b"}, {"label": "c"}]},
                                               {"name": "", "items": []}]}
    with pytest.raises(checklist.ChecklistError) as caught:
        checklist.load_checklist(json.loads(json.dumps(data)))
    assert len(caught.value.messages) == 5
