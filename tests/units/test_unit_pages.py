"""Staff pages: the units list (search, filters, sort, pages, Excel export) and a unit's page, scoped."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from congvu.units import services
from congvu.units.models import Role, Unit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, tree, make_staff):
    client.force_login(make_staff(tree.a))
    return client


@pytest.fixture
def admin_client_(client, tree, make_staff):
    client.force_login(make_staff(tree.province, Role.REFORM_ADMIN))
    return client


def listed_codes(response):
    return [unit.code for unit, _parent in response.context["rows"]]


def test_pages_need_a_login(client, tree):
    for url in (reverse("units:list"), reverse("units:export"), reverse("units:detail", args=["T01-A"])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))


def test_list_shows_only_the_units_in_scope(officer_client):
    response = officer_client.get(reverse("units:list"))
    assert response.status_code == 200
    assert set(listed_codes(response)) == {"T01-A", "T01-A-MC", "TL-A"}
    assert "Xã Đông Anh" not in response.content.decode()


def test_search_ignores_accents_and_case(admin_client_):
    response = admin_client_.get(reverse("units:list"), {"q": "phuong hoan kiem"})
    assert listed_codes(response) == ["T01-A-MC", "T01-A"]  # "Bộ phận một cửa phường Hoàn Kiếm" too
    response = admin_client_.get(reverse("units:list"), {"q": "ĐÔNG anh"})
    assert listed_codes(response) == ["T01-B"]


def test_filters_by_kind_and_validity(admin_client_):
    response = admin_client_.get(reverse("units:list"), {"kind": UnitKind.COMMUNE})
    assert set(listed_codes(response)) == {"T01-A", "T01-B", "TL-A"}
    response = admin_client_.get(reverse("units:list"), {"kind": UnitKind.COMMUNE, "status": "active"})
    assert set(listed_codes(response)) == {"T01-A", "T01-B"}
    response = admin_client_.get(reverse("units:list"), {"status": "historical"})
    assert listed_codes(response) == ["TL-A"]


def test_sorts_by_name_in_vietnamese_order_and_by_code(admin_client_):
    names = [u.name for u, _p in admin_client_.get(reverse("units:list"), {"sort": "name"}).context["rows"]]
    # Vietnamese order: "Bộ…" < "Phường Hàng…" < "Phường Hoàn…" < "Tỉnh…" < "Xã…"; Đ sorts with D, not after Z.
    assert names == ["Bộ phận một cửa phường Hoàn Kiếm", "Phường Hàng Trống", "Phường Hoàn Kiếm", "Tỉnh Thử Nghiệm", "Xã Đông Anh"]
    codes = listed_codes(admin_client_.get(reverse("units:list"), {"sort": "-code"}))
    assert codes == sorted(codes, reverse=True)


def test_paginates_fifty_a_page(admin_client_, tree):
    for n in range(60):
        services.add_unit(f"Tổ công tác {n:02d}", UnitKind.OFFICE, f"T01-B-{n:02d}", parent=tree.b)
    first = admin_client_.get(reverse("units:list"), {"sort": "code"})
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.count == 65
    second = admin_client_.get(reverse("units:list"), {"sort": "code", "page": 2})
    assert len(second.context["rows"]) == 15
    assert not set(listed_codes(first)) & set(listed_codes(second))
    assert 'page=2' in first.content.decode() and "sort=code" in first.content.decode()
    # A page number past the end or not a number shows a page instead of failing.
    assert admin_client_.get(reverse("units:list"), {"page": "999"}).status_code == 200
    assert admin_client_.get(reverse("units:list"), {"page": "abc"}).status_code == 200


def test_bad_filter_values_are_explained_not_a_500(admin_client_):
    response = admin_client_.get(reverse("units:list"), {"kind": "planet", "sort": "drop table"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert len(response.context["rows"]) == 5


def test_unit_page_shows_breadcrumb_children_staff_and_history(client, tree, make_staff):
    services.create_staff_member("mai", "Lê Thị Mai", tree.a, Role.ONE_STOP_OFFICER, phone="0912345678", job_position="Chuyên viên")
    client.force_login(make_staff(tree.a, Role.UNIT_LEADER))
    response = client.get(reverse("units:detail", args=["T01-A"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tỉnh Thử Nghiệm" in html  # the breadcrumb names the province …
    assert reverse("units:detail", args=["T01"]) not in html  # … without linking to a page out of scope
    assert reverse("units:detail", args=["T01-A-MC"]) in html
    assert "Lê Thị Mai" in html and "091****678" in html and "0912345678" not in html
    assert reverse("units:detail", args=["TL-A"]) in html  # the ward merged into it
    # Our own wording wins over the admin's catalogue, which renders "History" as "Bản ghi nhớ".
    assert ">Lịch sử</h2>" in html and "Bản ghi nhớ" not in html


def test_merged_ward_page_is_open_to_its_successors_officer(officer_client, tree):
    response = officer_client.get(reverse("units:detail", args=["TL-A"]))
    assert response.status_code == 200
    assert "Phường Hoàn Kiếm" in response.content.decode()


@pytest.mark.parametrize("code", ["T01-B", "T01", "T02-A", "DOES-NOT-EXIST"])
def test_unit_outside_scope_is_a_404_like_a_missing_one(officer_client, code):
    assert officer_client.get(reverse("units:detail", args=[code])).status_code == 404


def test_excel_export_is_scoped_filtered_and_keeps_vietnamese(officer_client, tree):
    response = officer_client.get(reverse("units:export"), {"sort": "code"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["T01-A", "T01-A-MC", "TL-A"]
    assert rows[1][1] == "Phường Hoàn Kiếm"
    assert "Xã Đông Anh" not in {c for r in rows for c in r}
    filtered = load_workbook(io.BytesIO(officer_client.get(reverse("units:export"), {"q": "hang trong"}).content)).active
    assert [r[0] for r in list(filtered.iter_rows(values_only=True))[1:]] == ["TL-A"]


def test_excel_export_neutralises_formulas(admin_client_, tree):
    for n, evil in enumerate(["=HYPERLINK(\"http://x\",\"bấm\")", "+1+1", "-2+3", "@SUM(A1)"]):
        services.add_unit("Tổ " + str(n), UnitKind.OFFICE, f"T01-EVIL-{n}", parent=tree.b, address=evil)
    Unit.objects.filter(code="T01-EVIL-0").update(name="=1+1")
    response = admin_client_.get(reverse("units:export"), {"q": "evil", "sort": "code"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2))
    assert rows[0][1].value == "=1+1" and rows[0][1].data_type == "s" and rows[0][1].quotePrefix
    addresses = [r[10].value for r in rows]
    assert addresses == ["=HYPERLINK(\"http://x\",\"bấm\")", "+1+1", "-2+3", "@SUM(A1)"]
    assert all(r[10].data_type == "s" and r[10].quotePrefix for r in rows)


def test_historical_units_show_their_dates(admin_client_, tree):
    html = admin_client_.get(reverse("units:detail", args=["TL-A"])).content.decode()
    assert dt.date(2025, 6, 30).strftime("%d/%m/%Y") in html
