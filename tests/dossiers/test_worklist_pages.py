"""The worklist as a database query: keyset pages by due time then code (the unit's steps and the user's steps
at other units merged page by page), the filters in SQL, and the "due soon" filter agreeing with the row marks
to the microsecond."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from congvu.core import keyset
from congvu.dossiers import selectors, views
from congvu.dossiers.models import DossierStep, StepStatus
from congvu.dossiers.services import perform_action
from congvu.dossiers.services.deadlines import ONE_WORKING_DAY
from congvu.workcal.services import calendar_for
from tests.dossiers.conftest import local

ORDER = selectors.WORKLIST_ORDERING


@pytest.fixture
def worklist(receive, staff, place):
    """Seven dossiers in processing, their first step active at the centre (the officer's unit); two share a
    due time, one has none; and one step assigned to the officer at the department (another unit)."""
    dossiers = []
    for day in (2, 3, 3, 4, 5, 6, 9):
        d = perform_action(receive(at=local(2026, 3, day, 9)), "start_processing", actor=staff.officer)
        dossiers.append(d)
    DossierStep.objects.filter(dossier=dossiers[-1], status=StepStatus.ACTIVE).update(due_at=None)
    elsewhere = perform_action(receive(at=local(2026, 3, 4, 10)), "start_processing", actor=staff.officer)
    DossierStep.objects.filter(dossier=elsewhere, status=StepStatus.ACTIVE).update(unit=place.dept, assignee=staff.officer)
    return dossiers + [elsewhere]


def expected(user, **filters):
    steps = list(selectors.worklist_steps(user, **filters))
    return sorted(steps, key=lambda s: (s.due_at is None, s.due_at or dt.datetime.min.replace(tzinfo=dt.UTC), s.dossier.code))


def walk(user, size, **filters):
    seen, cursor = [], None
    while True:
        page = keyset.page_of_union(selectors.worklist_parts(user, **filters), ORDER, cursor, size)
        assert len(page.rows) <= size
        seen.extend(page.rows)
        if not page.has_next:
            return seen
        cursor = page.next_cursor


def test_keyset_pages_of_the_two_parts_give_the_whole_worklist_in_order(worklist, staff):
    whole = expected(staff.officer)
    assert {s.dossier_id for s in whole} == {d.pk for d in worklist}
    assert whole[-1].due_at is None  # no due time: last
    for size in (1, 2, 3, 50):
        assert [s.pk for s in walk(staff.officer, size)] == [s.pk for s in whole], size
    # The same order as one query of the OR (the export reads it so).
    assert [s.pk for s in keyset.order_by(selectors.worklist_steps(staff.officer), ORDER)] == [s.pk for s in whole]


def test_filters_are_sql_and_page_too(worklist, staff):
    mine = walk(staff.officer, 1, mine=True)
    assert [s.dossier for s in mine] == [worklist[-1]]
    now = local(2026, 3, 12, 9)
    overdue = walk(staff.officer, 2, due="overdue", now=now)
    assert overdue and all(s.due_at < now for s in overdue)
    assert [s.pk for s in overdue] == [s.pk for s in expected(staff.officer) if s.due_at and s.due_at < now]
    code = worklist[2].code
    assert [s.dossier.code for s in walk(staff.officer, 2, q=code.lower())] == [code]
    assert walk(staff.officer, 2, q="khong co ai nhu the") == []


def test_due_soon_in_sql_is_the_mark_to_the_microsecond(worklist, staff):
    """A step is due soon while at most one working day of office time remains: the SQL bound is the
    calendar's now + one working day + 1 µs, closed hours included (Friday afternoon → Monday afternoon)."""
    now = local(2026, 3, 13, 15, 0)  # a Friday
    calendar = calendar_for(worklist[0].receiving_unit)
    bound = calendar.add_working_hours(now, ONE_WORKING_DAY + dt.timedelta(microseconds=1))
    assert bound.date() > now.date() + dt.timedelta(days=1)  # the weekend lies in between
    dues = [now - dt.timedelta(hours=1), now + dt.timedelta(hours=1), local(2026, 3, 13, 23, 0), bound - dt.timedelta(microseconds=1),
            bound, bound + dt.timedelta(hours=2), now + dt.timedelta(days=20)]
    steps = [DossierStep.objects.get(dossier=d, status=StepStatus.ACTIVE) for d in worklist[: len(dues)]]
    for step, due in zip(steps, dues, strict=True):
        DossierStep.objects.filter(pk=step.pk).update(due_at=due)
    marked = list(selectors.mark_steps(expected(staff.officer, now=now), now))
    wanted = [s.pk for s in marked if s.overdue or s.due_soon]
    assert [s.pk for s in walk(staff.officer, 2, due="soon", now=now)] == wanted
    set_here = {s.pk for s in steps}
    assert sorted(s.due_at for s in marked if s.pk in wanted and s.pk in set_here) == dues[:4]  # bound - 1 µs is soon, the bound is not
    assert calendar.working_time_between(now, bound - dt.timedelta(microseconds=1)) <= ONE_WORKING_DAY < calendar.working_time_between(now, bound)


def test_the_page_follows_next_links_and_shows_marks(client, worklist, staff, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client.force_login(staff.officer)
    url, codes, pages = reverse("dossiers:worklist"), [], 0
    query = {}
    while True:
        response = client.get(url, query)
        assert response.status_code == 200
        pages += 1
        codes += [row.step.dossier.code for row in response.context["rows"]]
        html = response.content.decode()
        found = re.search(r'href="\?after=([^"]+)" rel="next"', html)
        if not found:
            break
        query = {"after": found.group(1)}
    assert pages == 3
    assert codes == [s.dossier.code for s in expected(staff.officer)]
    # A hand-edited cursor starts again at the first page instead of failing.
    assert client.get(url, {"after": "not-a-cursor"}).status_code == 200
