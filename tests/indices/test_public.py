"""The public transparency page: no login, the last full month, per unit on-time rate and satisfaction with their
counts, searchable without accents, and nothing personal (no names, phones, dossier codes)."""

import datetime as dt

import pytest

from congvu.indices import views
from tests.dossiers.conftest import CITIZEN, catalogue, place, receive, staff  # noqa: F401
from tests.indices.test_views import history  # noqa: F401


@pytest.fixture
def april(monkeypatch):
    """The page shows the last full month: pretend it is April 2026, so March is shown."""
    monkeypatch.setattr(views, "last_full_month", lambda: views.Period.month(2026, 3))


def test_anyone_sees_each_unit_with_its_counts(client, place, history, april):
    response = client.get("/minh-bach/")
    assert response.status_code == 200
    rows = {row.code: row for row in response.context["rows"]}
    assert set(rows) == {"T01-A", "T01-B", "T01-STP"}
    a = rows["T01-A"]
    # March in commune A: 1 finished early or on time + 1 open within (fresh) of 2 finished + 3 open
    assert (a.on_time_measure.numerator, a.on_time_measure.denominator) == (2, 5)
    assert a.on_time == "40,0%"
    assert a.ratings == 0 and not a.significant and a.satisfaction == "—"
    body = response.content.decode()
    assert "Tháng 3/2026" in body and "Phường Hoàn Kiếm" in body and "Số liệu tính đến" in body
    assert "2 trên 5 hồ sơ" in body and "quá ít đánh giá" in body
    assert 'id="transparency-chart"' in body and '<table class="table table-striped" id="transparency-table">' in body


def test_the_page_shows_nothing_personal(client, history, april):
    body = client.get("/minh-bach/").content.decode()
    for secret in (CITIZEN["full_name"], CITIZEN["personal_id"], "0912", CITIZEN["email"], history.stuck.code, "Cán bộ motcua", "lanhdao"):
        assert secret not in body


@pytest.mark.parametrize("q, expected", [("dong anh", {"T01-B"}), ("PHUONG hoan", {"T01-A"}), ("sở tư", {"T01-STP"}), ("zzz", set())])
def test_search_ignores_accents_and_case(client, history, april, q, expected):
    response = client.get("/minh-bach/", {"q": q})
    assert {row.code for row in response.context["rows"]} == expected
    assert response.context["all_count"] == 3


def test_without_units_the_page_says_so(client, db):
    response = client.get("/minh-bach/")
    assert response.status_code == 200
    assert "Chưa có số liệu công khai." in response.content.decode()


def test_the_last_full_month_is_the_one_before_today():
    from congvu.indices.forms import last_full_month

    assert last_full_month(dt.date(2026, 3, 1)).key == "2026-02"
