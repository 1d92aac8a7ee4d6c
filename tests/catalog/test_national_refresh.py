"""Refreshing the catalogue from the national portal's procedure look-up: reading LayThuTuc answers (pure), storing
differences once against the fake adapter over real HTTP, accepting (applied and audited) and dismissing, the
administrator's page and the command."""

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from congvu.catalog import national_compare as nc

STARTER_DAY = dt.date(2025, 7, 1)

# 1.001193 as the portal answers it: a new name, another field code and name, 3 working days, a fee of 8.000 đồng,
# the commune level and the same decision. 1.000656 agrees with the catalogue except its level.
BIRTH = {
    "MATTHC": "1.001193", "TENTTHC": "Đăng ký khai sinh",
    "LINHVUCTHUCHIEN": [{"MALINHVUC": "G09-TP03", "TENLINHVUC": "Hộ tịch (cấp xã)"}],
    "CACHTHUCTHUCHIEN": [
        {"KENH": "2", "THOIGIAN": [{"THOIGIANGIAIQUYET": "2", "DONVITINH": "Ngày làm việc", "PHILEPHI": []}]},
        {"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": "3", "DONVITINH": "Ngày làm việc",
                                    "PHILEPHI": [{"MAPHILEPHI": "2", "SOTIEN": "8.000", "DONVI": "Đồng", "MOTA": "Lệ phí"}]}]},
    ],
    "CAPTHUCHIEN": "Cấp Xã", "QUYETDINHCONGBO": [{"SOQUYETDINH": "163/QĐ-BTP"}],
}


# ------------------------------------------------------------------------------------------------- pure


def ours(**overrides):
    values = dict(name="Thủ tục đăng ký khai sinh", field_name="Hộ tịch", time_limit_value=1, time_limit_unit="working_days",
                  fee_amounts=(0,), fee_names=("Phí, lệ phí",), levels=("commune",), agency="", decision="163/QĐ-BTP")
    values.update(overrides)
    return nc.OurView(**values)


def test_the_nested_answer_is_read_from_the_in_person_channel():
    view = nc.portal_view(BIRTH)
    assert (view.code, view.name, view.field_code, view.field_name) == ("1.001193", "Đăng ký khai sinh", "G09-TP03", "Hộ tịch (cấp xã)")
    assert (view.time_limit_value, view.time_limit_unit, view.time_limit_raw) == (3, "working_days", "3 Ngày làm việc")
    assert view.fees == (nc.PortalFee("Lệ phí", 8000, "8.000"),)
    assert view.levels == ("commune",) and view.decision == "163/QĐ-BTP" and view.agency is None


def test_the_flat_answer_is_read_too():
    view = nc.portal_view({"TENTTHC": "A", "MALINHVUC": "X1", "TENLINHVUC": "Đất đai", "THOIHANGIAIQUYET": "20 ngày",
                           "COQUANTHUCHIEN": [{"TENCOQUAN": "UBND cấp xã"}, "Sở Tài nguyên"], "CAPTHUCHIEN": ["Cấp Tỉnh", "Cấp Xã"]})
    assert (view.field_code, view.field_name, view.time_limit_value, view.time_limit_unit) == ("X1", "Đất đai", 20, "days")
    assert view.agency == "UBND cấp xã; Sở Tài nguyên" and view.levels == ("commune", "province") and view.fees is None


@pytest.mark.parametrize("text, unit_text, expected", [
    ("5", "Ngày làm việc", (5, "working_days")), ("8 giờ làm việc", "", (8, "working_hours")), ("30 Ngày", "", (30, "days")),
    ("20", "", (20, None)), ("3 tháng", "", (None, None)), ("Theo quy định", "", (None, None)), ("5.0", "ngày", (5, "days")),
])
def test_time_limits(text, unit_text, expected):
    assert nc.parse_limit(text, unit_text) == expected


@pytest.mark.parametrize("raw, amount", [("8.000", 8000), ("1,500,000 đồng", 1500000), ("Miễn phí", 0), ("Không", 0),
                                          ("50000", 50000), ("Theo Nghị quyết HĐND", None), ("10 USD", None)])
def test_fee_amounts(raw, amount):
    assert nc.parse_amount(raw) == amount


def test_each_field_that_differs_is_one_difference_and_silence_is_none():
    found = {d.field: d for d in nc.differences(ours(), nc.portal_view(BIRTH))}
    assert set(found) == {"name", "field", "time_limit", "fees"}
    assert (found["name"].ours, found["name"].theirs) == ("Thủ tục đăng ký khai sinh", "Đăng ký khai sinh")
    assert found["field"].theirs == "Hộ tịch (cấp xã) (G09-TP03)" and found["field"].theirs_data == {"code": "G09-TP03", "name": "Hộ tịch (cấp xã)"}
    assert (found["time_limit"].ours, found["time_limit"].theirs) == ("1 ngày làm việc", "3 ngày làm việc")
    assert (found["fees"].ours, found["fees"].theirs) == ("Phí, lệ phí: Miễn phí", "Lệ phí: 8.000 đồng")
    assert nc.differences(ours(), nc.PortalView()) == []
    # Case and spacing are not differences; a bare number with our value is not one either.
    same = {"TENTTHC": "THỦ TỤC  ĐĂNG KÝ KHAI SINH", "THOIHANGIAIQUYET": "1", "CAPTHUCHIEN": "Cấp xã"}
    assert nc.differences(ours(), nc.portal_view(same)) == []


def test_an_unknown_amount_on_the_portal_does_not_contradict_ours():
    view = nc.portal_view({"PHILEPHI": [{"TENPHILEPHI": "Lệ phí", "SOTIEN": "Theo quy định của HĐND tỉnh"}]})
    assert nc.differences(ours(fee_amounts=(10000,)), view) == []
    assert [d.field for d in nc.differences(ours(fee_amounts=(None,)), nc.portal_view({"PHILEPHI": [{"SOTIEN": "5.000"}]}))] == ["fees"]
    assert [d.field for d in nc.differences(ours(), nc.portal_view({"PHILEPHI": []}))] == ["fees"]


# ------------------------------------------------------------------------------------------------- against the fake adapter


@pytest.fixture
def catalogue(db):
    from congvu.catalog import selectors, services

    services.import_starter_catalog(effective_from=STARTER_DAY)
    services.apply_demo_completion_rules()
    return SimpleNamespace(version=lambda code: selectors.version_in_force(selectors.procedure_by_code(code)))


@pytest.fixture
def portal(settings, catalogue):
    from congvu.sync.fake_adapter import FakeAdapter

    birth_same_level = {"MATTHC": "1.000656", "TENTTHC": catalogue.version("1.000656").name, "CAPTHUCHIEN": "Cấp Tỉnh"}
    with FakeAdapter(catalogue={"1.001193": BIRTH, "1.000656": birth_same_level}) as fake:
        settings.PORTAL_ADAPTER = fake.settings()
        yield fake


@pytest.fixture
def admin(db):
    from congvu.units import services as units
    from congvu.units.models import Role, UnitKind

    province = units.add_unit("Thành phố Thử Nghiệm", UnitKind.PROVINCE, "T01", identifier="H99.00")
    reform = units.create_staff_member("caicach", "Đỗ Thị Mai", province, Role.REFORM_ADMIN, password="Rong-xanh-2025!").user
    officer = units.create_staff_member("motcua", "Lê Văn Bình", province, Role.ONE_STOP_OFFICER, password="Rong-xanh-2025!").user
    return SimpleNamespace(reform=reform, officer=officer)


def _pending():
    from congvu.catalog.models import NationalProcedureDifference

    return {(d.procedure.code, d.field): d for d in NationalProcedureDifference.objects.filter(status="pending").select_related("procedure")}


def test_a_refresh_stores_each_difference_once(portal, catalogue):
    from congvu.catalog import national_refresh
    from congvu.catalog.models import NationalProcedureDifference

    seen = []
    report = national_refresh.refresh(progress=lambda done, total, code: seen.append((done, total, code)))
    assert report.checked == 2 and report.created == 5 and not report.failed and not report.aborted
    assert set(_pending()) == {("1.001193", "name"), ("1.001193", "field"), ("1.001193", "time_limit"), ("1.001193", "fees"), ("1.000656", "level")}
    assert [s[0] for s in seen] == [1, 2] and {s[2] for s in seen} == {"1.001193", "1.000656"}
    services_called = [r["service"] for r in portal.received if "service" in r]
    assert services_called.count("LayDanhSachTTHC") == 1 and services_called.count("LayThuTuc") == 2
    first = {k: (d.pk, d.fetched_at) for k, d in _pending().items()}

    again = national_refresh.refresh()
    assert (again.created, again.unchanged, again.updated, again.resolved) == (0, 5, 0, 0)
    assert NationalProcedureDifference.objects.count() == 5
    assert all(_pending()[k].pk == pk and _pending()[k].fetched_at >= at for k, (pk, at) in first.items())


def test_the_demo_adapter_built_from_our_catalogue_finds_nothing(settings, catalogue):
    """`congvu demo`'s adapter answers LayThuTuc from the catalogue itself (name and field): no difference."""
    from congvu.catalog import national_refresh, selectors
    from congvu.sync.fake_adapter import FakeAdapter

    entries = {v.procedure.code: {"TENTTHC": v.name, "MALINHVUC": v.field.code, "TENLINHVUC": v.field.name} for v in selectors.current_versions()}
    with FakeAdapter(catalogue=entries) as fake:
        settings.PORTAL_ADAPTER = fake.settings()
        report = national_refresh.refresh()
    assert report.checked == 50 and report.created == 0 and not report.failed


def test_a_difference_that_went_away_or_changed_is_followed(portal, catalogue):
    from congvu.catalog import national_refresh

    national_refresh.refresh(["1.001193"])
    portal.catalogue["1.001193"] = dict(BIRTH, TENTTHC="Thủ tục đăng ký khai sinh", CAPTHUCHIEN="Cấp Tỉnh")
    report = national_refresh.refresh(["1.001193"])
    assert (report.created, report.resolved, report.unchanged) == (1, 1, 3)
    assert ("1.001193", "name") not in _pending() and _pending()[("1.001193", "level")].theirs == "Cấp Tỉnh"
    portal.catalogue["1.001193"] = dict(portal.catalogue["1.001193"], CAPTHUCHIEN="Cấp Bộ")
    assert national_refresh.refresh(["1.001193"]).updated == 1
    assert _pending()[("1.001193", "level")].theirs == "Cấp Bộ"


def test_accepting_applies_the_portals_value_and_records_it(portal, catalogue, admin):
    from congvu.catalog import national_refresh
    from congvu.catalog.models import ChangeSource, ProcedureChange

    national_refresh.refresh(["1.001193"])
    pending = _pending()
    before = catalogue.version("1.001193")
    for field in ("name", "field", "time_limit", "fees"):
        national_refresh.accept(pending[("1.001193", field)], by=admin.reform, note="Đã đối chiếu Quyết định 163/QĐ-BTP")
    version = catalogue.version("1.001193")
    assert version.pk == before.pk
    assert version.name == "Đăng ký khai sinh" and version.field.name == "Hộ tịch (cấp xã)"
    assert (version.time_limit_value, version.time_limit_unit, version.time_limit_unit_confirmed) == (3, "working_days", True)
    assert [f.amount_vnd for f in version.fees.all()] == [8000] and version.is_complete
    changes = ProcedureChange.objects.filter(version=version, source=ChangeSource.NATIONAL_PORTAL)
    assert {c.field_path for c in changes} >= {"name", "field", "time_limit_value", "fees[0].amount_vnd"}
    name_change = changes.get(field_path="name")
    assert (name_change.old_value, name_change.new_value, name_change.actor_id) == ("Thủ tục đăng ký khai sinh", "Đăng ký khai sinh", admin.reform.pk)
    assert name_change.reason.startswith("Theo Cổng DVCQG") and "163/QĐ-BTP" in name_change.reason
    decided = pending[("1.001193", "name")]
    decided.refresh_from_db()
    assert decided.status == "accepted" and decided.decided_by == admin.reform and decided.decided_at is not None
    assert _pending() == {}
    # Accepted once: a second decision is refused and changes nothing.
    with pytest.raises(national_refresh.DifferenceError):
        national_refresh.dismiss(decided, by=admin.reform)
    assert national_refresh.refresh(["1.001193"]).created == 0


def test_dismissing_changes_nothing_and_is_not_raised_again(portal, catalogue, admin):
    from congvu.catalog import national_refresh
    from congvu.catalog.models import ProcedureChange

    national_refresh.refresh(["1.001193"])
    changes_before = ProcedureChange.objects.count()
    national_refresh.dismiss(_pending()[("1.001193", "name")], by=admin.reform, note="Tên trong quyết định của tỉnh")
    assert catalogue.version("1.001193").name == "Thủ tục đăng ký khai sinh"
    assert ProcedureChange.objects.count() == changes_before
    report = national_refresh.refresh(["1.001193"])
    assert report.dismissed_before == 1 and report.created == 0 and ("1.001193", "name") not in _pending()


def test_an_accept_that_cannot_apply_changes_nothing(portal, catalogue, admin):
    from congvu.catalog import national_refresh
    from congvu.catalog.models import ProcedureChange

    portal.catalogue["1.001193"] = dict(BIRTH, CACHTHUCTHUCHIEN=[{"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": "3", "DONVITINH": "Ngày làm việc",
                                        "PHILEPHI": [{"SOTIEN": "8.000"}, {"SOTIEN": "2.000"}]}]}])
    national_refresh.refresh(["1.001193"])
    changes_before = ProcedureChange.objects.count()
    with pytest.raises(national_refresh.DifferenceError, match="2 khoản phí"):
        national_refresh.accept(_pending()[("1.001193", "fees")], by=admin.reform)
    assert ProcedureChange.objects.count() == changes_before and _pending()[("1.001193", "fees")].status == "pending"
    assert [f.amount_vnd for f in catalogue.version("1.001193").fees.all()] == [0]


def test_not_configured_is_said_plainly(settings, catalogue):
    from congvu.catalog import national_refresh

    settings.PORTAL_ADAPTER = {}
    with pytest.raises(national_refresh.NotConfigured):
        national_refresh.refresh()
    with pytest.raises(CommandError, match="Chưa cấu hình kết nối Cổng DVCQG"):
        call_command("refresh_catalogue_from_portal")


def test_the_command_shows_progress_and_a_summary(portal, catalogue):
    out = io.StringIO()
    call_command("refresh_catalogue_from_portal", "--code", "1.001193", "--code", "9.999999", stdout=out)
    text = out.getvalue()
    assert "[1/2] 1.001193" in text and "[2/2] 9.999999" in text
    assert "Đã đối chiếu 1 thủ tục: 4 khác biệt mới" in text and "Không có trong danh mục đang hiệu lực (1): 9.999999" in text


def test_an_adapter_that_is_down_ends_the_run(portal, catalogue):
    from congvu.catalog import national_refresh

    portal.go_down()
    report = national_refresh.refresh(["1.001193", "1.000656"])
    assert report.aborted and report.checked == 0 and len(report.failed) == 1
    with pytest.raises(CommandError, match="Dừng tra cứu"):
        call_command("refresh_catalogue_from_portal", "--code", "1.001193", stdout=io.StringIO())
    portal.come_back()


# ------------------------------------------------------------------------------------------------- the page


def test_only_catalogue_administrators_see_and_decide(client, portal, catalogue, admin):
    from congvu.catalog import national_refresh

    national_refresh.refresh()
    url = reverse("catalog:national_differences")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(admin.officer)
    assert client.get(url).status_code == 403
    difference = _pending()[("1.001193", "name")]
    decide = reverse("catalog:national_difference_decide", args=[difference.pk])
    assert client.post(decide, {"decision": "accept"}).status_code == 403
    difference.refresh_from_db()
    assert difference.status == "pending"

    client.force_login(admin.reform)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Đăng ký khai sinh" in body and "Hộ tịch (cấp xã) (G09-TP03)" in body and "5 khác biệt chờ quyết định" in body
    filtered = client.get(url, {"field": "level", "status": "pending", "sort": "-fetched"}).content.decode()
    assert "1.000656" in filtered and "G09-TP03" not in filtered

    response = client.post(decide, {"decision": "accept", "note": "Đúng theo quyết định", "next": "?status=pending"}, follow=True)
    assert response.status_code == 200 and "Đã chấp nhận" in response.content.decode()
    assert catalogue.version("1.001193").name == "Đăng ký khai sinh"
    level = _pending()[("1.000656", "level")]
    client.post(reverse("catalog:national_difference_decide", args=[level.pk]), {"decision": "dismiss"})
    level.refresh_from_db()
    assert level.status == "dismissed" and level.decided_by == admin.reform
    again = client.post(decide, {"decision": "dismiss"}, follow=True)
    assert "đã được xử lý" in again.content.decode()

    export = client.get(reverse("catalog:national_differences_export"), {"status": ""})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 5
    assert {r[0] for r in rows[1:]} == {"1.001193", "1.000656"} and any(r[6] == "Bị bỏ qua" or r[6] for r in rows[1:])
