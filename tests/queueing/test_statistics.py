"""Queue statistics on a fixed morning: exact figures per counter, group and hour, the page, the charts, the
Excel export and who may see them."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from congvu.queueing import services
from congvu.queueing.statistics import bar_chart, format_duration, queue_report
from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import PASSWORD, local
from tests.queueing.conftest import at

pytestmark = pytest.mark.django_db

DAY = local(2026, 3, 2).date()


@pytest.fixture
def morning(queue, place):
    """Monday 2 March 2026 at the centre (times after 08:00):
    A001 issued 0, called at counter 1 at 10, served 11–19.
    A002 issued 5, called at counter 2 at 12, served 13–15, transferred to counter 1; called there at 20, served 21–31.
    B003 issued 30, called at counter 2 at 40, skipped at 42, recalled at 50, served 51–60.
    A004 issued 70, called at counter 1 at 90, skipped at 91 and never came back.
    B005 issued 80, never called.
    The next morning one more ticket is issued (it closes the day) and must not count."""
    c1, c2, o1, o2 = queue.c1, queue.c2, queue.officer, queue.officer2
    a1 = services.issue_ticket(queue.unit, queue.a, at=at(0))
    a2 = services.issue_ticket(queue.unit, queue.a, at=at(5))
    services.call_next(c1, o1, at=at(10))
    services.start_serving(a1, c1, o1, at=at(11))
    services.call_next(c2, o2, at=at(12))
    services.start_serving(a2, c2, o2, at=at(13))
    services.transfer(a2, c2, o2, to_counter=c1, at=at(15))
    services.finish(a1, c1, o1, at=at(19))
    assert services.call_next(c1, o1, at=at(20)).pk == a2.pk
    services.start_serving(a2, c1, o1, at=at(21))
    services.finish(a2, c1, o1, at=at(31))
    b3 = services.issue_ticket(queue.unit, queue.b, at=at(30))
    assert services.call_next(c2, o2, at=at(40)).pk == b3.pk
    services.skip(b3, c2, o2, at=at(42))
    services.recall(b3, c2, o2, at=at(50))
    services.start_serving(b3, c2, o2, at=at(51))
    services.finish(b3, c2, o2, at=at(60))
    a4 = services.issue_ticket(queue.unit, queue.a, at=at(70))
    services.issue_ticket(queue.unit, queue.b, at=at(80))
    assert services.call_next(c1, o1, at=at(90)).pk == a4.pk
    services.skip(a4, c1, o1, at=at(91))
    services.issue_ticket(queue.unit, queue.a, at=local(2026, 3, 3, 8, 0))
    return queue


def figures(row):
    return (row.tickets, row.never_called, row.calls, row.served, row.skipped, row.avg_wait, row.median_wait, row.avg_serve, row.median_serve)


def test_figures_per_counter_group_and_hour(morning):
    report = queue_report(morning.unit, DAY, DAY)
    assert [(r.label, figures(r)) for r in report.by_counter] == [
        ("Quầy 1 — Hộ tịch", (None, None, 3, 2, 1, 700.0, 600.0, 540.0, 540.0)),
        ("Quầy 2 — Tổng hợp", (None, None, 3, 1, 1, 500.0, 480.0, 330.0, 330.0)),
        ("Quầy 3 — Đất đai", (None, None, 0, 0, 0, None, None, None, None)),
    ]
    assert [(r.label, figures(r)) for r in report.by_group] == [
        ("A — Tư pháp – Hộ tịch", (3, 0, 4, 2, 1, 630.0, 510.0, 400.0, 480.0)),
        ("B — Đất đai", (2, 1, 2, 1, 1, 540.0, 540.0, 540.0, 540.0)),
    ]
    assert [(r.label, figures(r)) for r in report.by_hour] == [
        ("08:00–09:00", (3, 0, 5, 3, 1, 480.0, 480.0, 435.0, 510.0)),
        ("09:00–10:00", (2, 1, 1, 0, 1, 1200.0, 1200.0, None, None)),
    ]
    assert figures(report.total) == (5, 1, 6, 3, 2, 600.0, 540.0, 435.0, 510.0)


def test_the_next_day_counts_on_its_own(morning):
    next_day = local(2026, 3, 3).date()
    report = queue_report(morning.unit, next_day, next_day)
    assert figures(report.total) == (1, 1, 0, 0, 0, None, None, None, None)
    assert figures(queue_report(morning.unit, DAY, next_day).total)[:3] == (6, 2, 6)


def test_durations_and_chart_geometry():
    assert [format_duration(s) for s in (None, 0, 65, 600, 3725.4)] == ["—", "0:00", "1:05", "10:00", "1:02:05"]
    chart = bar_chart("Số phiếu", [("08", 3.0, "3"), ("09", 0.0, "0"), ("10", 1.5, "1,5")])
    tallest, empty, half = chart.bars
    assert tallest.height == chart.baseline - 28 and empty.height == 0 and half.height == tallest.height / 2
    assert tallest.y + tallest.height == chart.baseline and chart.description == "08 — 3; 09 — 0; 10 — 1,5"
    assert bar_chart("Không có gì", [("08", 0.0, "0")]) is None


@pytest.fixture
def leader_client(client, staff):
    client.force_login(staff.leader)
    return client


def stats_url(unit):
    return reverse("queueing:statistics", args=[unit.code])


def test_statistics_page_shows_the_figures_and_charts(leader_client, morning):
    response = leader_client.get(stats_url(morning.unit), {"tu": "2026-03-02", "den": "02/03/2026"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Từ 02/03/2026 đến 02/03/2026" in html
    assert '<th scope="row" class="fw-normal">Quầy 1 — Hộ tịch</th>' in html
    for shown in ("11:40", "10:00", "9:00", "7:15", "8:30", "20:00"):
        assert f'<td class="text-end">{shown}</td>' in html, shown
    assert html.count("<svg class=\"queue-chart\"") == 2 and 'role="img"' in html
    assert 'aria-label="Số phiếu phát theo giờ: 08:00 — 3; 09:00 — 2"' in html
    assert 'aria-label="Thời gian chờ trung bình theo quầy (phút:giây): Quầy 1 — 11:40; Quầy 2 — 8:20"' in html
    export = reverse("queueing:statistics_export", args=[morning.unit.code]) + "?tu=2026-03-02&amp;den=2026-03-02"
    assert export in html


def test_svg_coordinates_use_dots_whatever_the_language(leader_client, morning):
    html = leader_client.get(stats_url(morning.unit), {"tu": "2026-03-02", "den": "2026-03-02"}).content.decode()
    inside = html.split('<svg class="queue-chart"')[1].split("</svg>")[0].split(">", 1)[1]
    numbers = re.findall(r'\s(?:x|y|x1|x2|y1|y2|width|height)="([^"]+)"', inside)
    assert numbers and all(re.fullmatch(r"\d+(\.\d+)?", n) for n in numbers), numbers


def test_default_period_is_the_last_seven_days(leader_client, morning):
    response = leader_client.get(stats_url(morning.unit))
    assert response.status_code == 200 and "Không có số thứ tự nào được phát trong khoảng thời gian này." in response.content.decode()


@pytest.mark.parametrize("query, message", [
    ({"tu": "31/02/2026"}, "Từ ngày"),
    ({"tu": "2026-03-05", "den": "2026-03-01"}, "Ngày kết thúc không được trước ngày bắt đầu."),
    ({"tu": "2024-01-01", "den": "2026-03-01"}, "Hãy chọn khoảng thời gian tối đa 366 ngày."),
])
def test_a_bad_period_is_explained(leader_client, morning, query, message):
    for name in ("queueing:statistics", "queueing:statistics_export"):
        response = leader_client.get(reverse(name, args=[morning.unit.code]), query)
        assert response.status_code == 400 and message in response.content.decode(), name
        assert 'id="error-summary"' in response.content.decode()


def test_excel_export_has_every_row(leader_client, morning):
    response = leader_client.get(reverse("queueing:statistics_export", args=[morning.unit.code]), {"tu": "2026-03-02", "den": "2026-03-02"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == f'attachment; filename="xep-hang-{morning.unit.code}-20260302-20260302.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Phân theo", "Tên", "Số phiếu đã phát"] and len(rows) == 1 + 3 + 2 + 2 + 1
    assert rows[1] == ["Quầy", "Quầy 1 — Hộ tịch", None, None, 3, 2, 1, 11.67, 10.0, 9.0, 9.0]
    assert rows[4] == ["Nhóm dịch vụ", "A — Tư pháp – Hộ tịch", 3, 0, 4, 2, 1, 10.5, 8.5, 6.67, 8.0]
    assert rows[7] == ["Giờ", "09:00–10:00", 2, 1, 1, 0, 1, 20.0, 20.0, None, None]
    assert rows[8] == ["Tổng cộng", "Tất cả", 5, 1, 6, 3, 2, 10.0, 9.0, 7.25, 8.5]


def test_statistics_are_for_leaders_and_the_reform_office_of_the_centre(client, morning, staff, place):
    url = stats_url(morning.unit)
    for user in (staff.officer, staff.other, staff.dept, staff.specialist):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403, user.username
        assert "Thống kê xếp hàng dành cho lãnh đạo đơn vị" in response.content.decode()
        assert client.get(reverse("queueing:statistics_export", args=[morning.unit.code])).status_code == 403
    other_leader = units.create_staff_member("lanhdao-b", "Lãnh đạo xã B", place.b, Role.UNIT_LEADER, password=PASSWORD).user
    reform = units.create_staff_member("caicach", "Cải cách", place.dept, Role.REFORM_ADMIN, password=PASSWORD).user
    for user, status in ((other_leader, 403), (reform, 200), (staff.leader, 200)):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    assert client.get(reverse("queueing:statistics", args=["KHONG-CO"])).status_code == 404
