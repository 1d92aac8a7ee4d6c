"""The staff dashboards on a small province built through the real services: who may open them, bad input, and
that every number on the page leads to a list of exactly that many records.

March 2026 at the centre of Phường Hoàn Kiếm (commune A), five-working-day procedure:
  early     received Mon 2 March, result Wed 4 March                 → finished before the deadline
  late      received Tue 3 March, result Fri 20 March (due 10 March) → finished late
  stuck     received Mon 2 March, still open                          → open and overdue at the end of March
  fresh     received Wed 25 March, still open (due 1 April)           → open within the deadline
  old       received Fri 20 February, still open                      → carried over into March, overdue
and in Xã Đông Anh (commune B), outside the leader of A's scope, one dossier received 2 March.
"""

import re
from types import SimpleNamespace

import pytest

from congvu.dossiers.services import perform_action, receive_dossier
from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import CITIZEN, PASSWORD, catalogue, local, place, receive, staff, submit_ids  # noqa: F401

MARCH = "2026-03"


def finish(dossier, staff, at):
    d = perform_action(dossier, "start_processing", actor=staff.officer, at=dossier.received_at)
    for actor in (staff.officer, staff.specialist, staff.leader):
        d = perform_action(d, "forward", actor=actor, at=dossier.received_at)
    return perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh (bản chính)"}], at=at)


@pytest.fixture
def history(place, staff, catalogue, receive):
    early = finish(receive(at=local(2026, 3, 2, 9)), staff, local(2026, 3, 4, 9))
    late = finish(receive(at=local(2026, 3, 3, 9)), staff, local(2026, 3, 20, 9))
    stuck = receive(at=local(2026, 3, 2, 10))
    fresh = receive(at=local(2026, 3, 25, 9))
    old = receive(at=local(2026, 2, 20, 9))
    other = receive_dossier(staff.other, place.b, catalogue.five, dict(CITIZEN), checked_document_ids=submit_ids(catalogue.five),
                            at=local(2026, 3, 2, 9))
    from congvu.indices import services

    services.refresh()
    return SimpleNamespace(early=early, late=late, stuck=stuck, fresh=fresh, old=old, other=other)


@pytest.fixture
def people(place, staff):
    def make(username, unit, role):
        return units.create_staff_member(username, f"Người {username}", unit, role, password=PASSWORD).user

    return SimpleNamespace(
        leader=staff.leader, specialist=staff.specialist,
        province=make("lanhdao-tinh", place.province, Role.UNIT_LEADER),
        reform=make("caicach", place.dept, Role.REFORM_ADMIN),
        inspector=make("thanhtra", place.a, Role.INSPECTOR),
    )


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


# ------------------------------------------------------------------------------------------------ who may look


@pytest.mark.parametrize("page", ["/staff/indices/", "/staff/indices/766/", "/staff/indices/ranking/", "/staff/indices/reports/",
                                  "/staff/indices/behind/"])
def test_specialists_and_officers_are_refused_with_the_reason(client, people, staff, page):
    for user in (people.specialist, staff.officer):
        response = get(client, user, page)
        assert response.status_code == 403
        assert "lãnh đạo đơn vị" in response.content.decode()


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get("/staff/indices/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_leader_sees_own_unit_by_default_and_only_own_subtree(client, people, place, history):
    response = get(client, people.leader, "/staff/indices/", period=MARCH)
    assert response.status_code == 200
    assert response.context["unit"] == place.a
    codes = [code for code, _label in response.context["form"].fields["unit"].widget.choices]
    assert set(codes) == {"T01-A", "T01-A-TT"}
    for outside in ("T01", "T01-B", "T01-STP", "NO-SUCH"):
        response = get(client, people.leader, "/staff/indices/", unit=outside, period=MARCH)
        assert response.status_code == 400
        assert "không có đơn vị" in response.content.decode().lower()
        assert "tiles" not in response.context


def test_the_reform_office_opens_on_the_province(client, people, place, history):
    response = get(client, people.reform, "/staff/indices/", period=MARCH)
    assert response.context["unit"] == place.province
    assert get(client, people.inspector, "/staff/indices/", period=MARCH).context["unit"] == place.a


def test_leader_of_the_province_and_reform_office_see_every_unit(client, people, place, history):
    for user in (people.province, people.reform):
        response = get(client, user, "/staff/indices/", unit="T01-B", period=MARCH)
        assert response.status_code == 200
        assert response.context["unit"] == place.b


def test_the_records_behind_a_unit_outside_the_scope_are_not_found(client, people, history):
    response = get(client, people.leader, "/staff/indices/behind/", unit="T01-B", period=MARCH, metric="received")
    assert response.status_code == 404


# ------------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("params, message", [
    ({"period": "2026-13"}, "Tháng phải từ 1 đến 12."),
    ({"period": "hôm qua"}, "Kỳ báo cáo không hợp lệ"),
    ({"kind": "month", "year": "2026"}, "Chọn tháng."),
    ({"kind": "range", "start": "2026-03-10", "end": "2026-03-01"}, "Ngày kết thúc phải sau ngày bắt đầu."),
    ({"kind": "range", "start": "2020-01-01", "end": "2026-03-01"}, "tối đa là 3 năm"),
    ({"kind": "year", "year": "1200"}, "2000"),
    ({"kind": "quarter", "year": "2026", "quarter": "7"}, "7"),
])
def test_a_bad_period_is_a_form_error_not_a_crash(client, people, history, params, message):
    for page in ("/staff/indices/", "/staff/indices/766/", "/staff/indices/ranking/", "/staff/indices/reports/"):
        response = get(client, people.leader, page, **params)
        assert response.status_code == 400, page
        assert message in response.content.decode(), page


def test_a_bad_period_on_the_list_behind_is_a_400_page(client, people, history):
    response = get(client, people.leader, "/staff/indices/behind/", unit="T01-A", period="2026-02-30_2026-03-01", metric="received")
    assert response.status_code == 400
    assert "Ngày không hợp lệ." in response.content.decode()
    response = get(client, people.leader, "/staff/indices/behind/", unit="T01-A", period=MARCH, metric="received", part="half")
    assert response.status_code == 400


def test_a_report_is_for_a_month_quarter_or_year(client, people, history):
    response = get(client, people.leader, "/staff/indices/reports/", period="2026-03-01_2026-03-10")
    assert response.status_code == 400
    assert "tháng, quý hoặc năm" in response.content.decode()


# ------------------------------------------------------------------------------------------------ the figures


def count_behind(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["count"]


def test_every_tile_leads_to_a_list_of_exactly_that_many_records(client, people, place, history):
    response = get(client, people.leader, "/staff/indices/", unit="T01-A", period=MARCH)
    assert response.status_code == 200
    tiles = {tile.key: tile for tile in response.context["tiles"]}
    # The hand count for commune A in March (module docstring).
    expected = {"received": 4, "carried_over": 1, "finished": 2, "open_overdue": 2, "apologies": 0}
    for key, value in expected.items():
        assert tiles[key].value == str(value), key
        assert count_behind(client, tiles[key].url) == value, key
    assert count_behind(client, tiles["in_process"].url) == int(tiles["in_process"].value)
    for key in ("on_time_rate", "online_share", "satisfaction"):
        for text, url in tiles[key].detail_links:
            assert count_behind(client, url) == int(text.replace(".", "")), key
    summary = response.context["summary"]
    assert (summary.finished_early + summary.finished_on_time, summary.finished_late) == (1, 1)
    body = response.content.decode()
    assert "Số liệu tính đến" in body


def test_the_list_behind_links_each_dossier_and_filters_and_sorts(client, people, history):
    response = get(client, people.leader, "/staff/indices/behind/", unit="T01-A", period=MARCH, metric="received", sort="received")
    codes = [row["cells"][0] for row in response.context["table"]]
    assert codes == [history.early.code, history.stuck.code, history.late.code, history.fresh.code]
    assert f'href="/staff/dossiers/{history.early.code}/"' in response.content.decode()
    assert history.other.code not in response.content.decode()
    response = client.get("/staff/indices/behind/", {"unit": "T01-A", "period": MARCH, "metric": "received", "q": history.late.code.lower()})
    assert [row["cells"][0] for row in response.context["table"]] == [history.late.code]


def test_the_list_behind_exports_to_excel_with_the_same_records(client, people, history):
    from io import BytesIO

    from openpyxl import load_workbook

    response = get(client, people.leader, "/staff/indices/behind/export.xlsx", unit="T01-A", period=MARCH, metric="open_overdue")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    codes = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert codes == sorted([history.stuck.code, history.old.code])


def test_overdue_list_on_the_dashboard(client, people, history):
    response = get(client, people.leader, "/staff/indices/", unit="T01-A", period=MARCH)
    assert [d.code for d in response.context["overdue_rows"]] == [history.old.code, history.stuck.code]
    assert response.context["overdue_count"] == 2


def test_trend_charts_have_twelve_months_and_a_table(client, people, history):
    response = get(client, people.leader, "/staff/indices/", unit="T01-A", period=MARCH)
    trends = response.context["trends"]
    assert len(trends) == 3
    volume = trends[0]
    assert volume["data"]["labels"][-1] == "Tháng 3/2026" and len(volume["data"]["labels"]) == 12
    received = volume["data"]["datasets"][0]["data"]
    assert received[-1] == 4 and received[-2] == 1  # February: the "old" dossier
    body = response.content.decode()
    assert 'data-chart="trend-volume-data"' in body and 'id="trend-volume-data"' in body


def test_ranking_of_child_units_and_its_excel(client, people, place, history):
    from io import BytesIO

    from openpyxl import load_workbook

    response = get(client, people.province, "/staff/indices/ranking/", unit="T01", period=MARCH, metric="received")
    assert response.status_code == 200
    rows = response.context["rows"]
    by_unit = {line.unit.code: line for line in rows}
    assert set(by_unit) >= {"T01-A", "T01-B", "T01-STP"}
    assert by_unit["T01-A"].value == "4" and by_unit["T01-B"].value == "1"
    assert rows[0].unit.code == "T01-A" and rows[0].rank == 1
    assert count_behind(client, by_unit["T01-B"].url) == 1
    export = client.get("/staff/indices/ranking/export.xlsx", {"unit": "T01", "period": MARCH, "metric": "received"})
    sheet = load_workbook(BytesIO(export.content)).active
    table = [row for row in sheet.iter_rows(values_only=True) if row and row[1] in {line.unit.name for line in rows}]
    assert [(r[0], r[1], r[2]) for r in table] == [(line.rank, line.unit.name, line.number) for line in rows]


def test_scorecard_lists_every_indicator_with_links_and_exports(client, people, history):
    from io import BytesIO

    from openpyxl import load_workbook

    response = get(client, people.leader, "/staff/indices/766/", unit="T01-A", period=MARCH)
    assert response.status_code == 200
    index = response.context["index"]
    codes = [ind["code"] for group in response.context["card"] for ind in group["indicators"]]
    assert codes == [ind.code for ind in index.indicators] and "2.1" in codes
    two_one = next(ind for group in response.context["card"] for ind in group["indicators"] if ind["code"] == "2.1")
    assert count_behind(client, two_one["denominator_url"]) == two_one["measure"].denominator
    assert count_behind(client, two_one["numerator_url"]) == two_one["measure"].numerator
    export = client.get("/staff/indices/766/export.xlsx", {"unit": "T01-A", "period": MARCH})
    sheet = load_workbook(BytesIO(export.content)).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["Tổng điểm"][1] == pytest.approx(float(index.total))
    assert rows["2.1"][2] == two_one["measure"].numerator and rows["2.1"][3] == two_one["measure"].denominator
    pdf = client.get("/staff/indices/766/export.pdf", {"unit": "T01-A", "period": MARCH})
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Chỉ số chất lượng phục vụ" in text and "Phường Hoàn Kiếm" in text


def pdf_text(content: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages))


def test_staff_home_shows_the_card_to_leaders_only(client, people):
    assert 'id="indices-card"' in get(client, people.leader, "/staff/").content.decode()
    assert 'id="indices-card"' not in get(client, people.specialist, "/staff/").content.decode()


@pytest.mark.parametrize("sort", ["-received", "received", "due", "code", "-finished"])
def test_the_list_behind_pages_by_keyset_through_every_record(client, people, history, monkeypatch, sort):
    """One record a page: following the next links gives the whole list in its order once (the received and
    finished sorts are paged on the facts, the others on the dossiers), and the count is the list's."""
    from congvu.indices import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    params = {"unit": "T01-A", "period": MARCH, "metric": "in_process" if sort != "-finished" else "finished", "sort": sort}
    response = get(client, people.leader, "/staff/indices/behind/", **params)
    whole = [d.code for d in response.context["rows"]]
    assert len(whole) >= 2 and response.context["count"] == len(whole)
    codes = []
    while True:
        assert response.status_code == 200
        codes += [row["cells"][0] for row in response.context["table"]]
        page = response.context["page"]
        if not page.has_next:
            break
        response = client.get("/staff/indices/behind/", {**params, "after": page.next_cursor})
    assert codes == whole
