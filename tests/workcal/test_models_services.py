"""Overrides and office hours in the database, the calendars built from them, and their cache."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from congvu.units.models import Unit, UnitKind
from congvu.workcal import services
from congvu.workcal.models import CalendarOverride, OfficeHours, Weekday

from .conftest import vn

pytestmark = pytest.mark.django_db

Kind = CalendarOverride.Kind


@pytest.fixture(autouse=True)
def _fresh_cache():
    services.invalidate_calendars()
    yield
    services.invalidate_calendars()


@pytest.fixture
def tree():
    province = Unit.objects.add_root(instance=Unit(name="Tỉnh Phú Thọ", code="PT", kind=UnitKind.PROVINCE))
    commune = Unit.objects.add_child(province, instance=Unit(name="Xã Hy Cương", code="PT-HC", kind=UnitKind.COMMUNE))
    other = Unit.objects.add_child(province, instance=Unit(name="Phường Việt Trì", code="PT-VT", kind=UnitKind.COMMUNE))
    return province, Unit.objects.get(pk=commune.pk), Unit.objects.get(pk=other.pk)


def override(day, kind, unit=None, reason="Lý do", number="1/QĐ-UBND", **extra):
    return CalendarOverride.objects.create(date=day, kind=kind, unit=unit, reason=reason, decision_number=number, **extra)


def messages(error: ValidationError) -> list[str]:
    return [m for ms in error.message_dict.values() for m in ms] if hasattr(error, "error_dict") else error.messages


def test_data_migration_loaded_the_official_overrides():
    rows = CalendarOverride.objects.filter(unit=None, decision_number="12729/VPCP-KGVX").order_by("date")
    assert [(r.date, r.kind) for r in rows] == [(date(2026, 1, 2), Kind.DAY_OFF), (date(2026, 1, 10), Kind.WORKING_DAY)]
    assert rows[0].decision_date == date(2025, 12, 25)


def test_installation_calendar_uses_the_database_rows():
    calendar = services.calendar_for()
    assert not calendar.is_working_day(date(2026, 1, 2))
    assert calendar.add_working_days(vn(2026, 2, 13, 10), 1) == vn(2026, 2, 23, 17)
    # An administrator who deletes the swap gets the `holidays` package's view back.
    CalendarOverride.objects.filter(date=date(2026, 1, 2)).delete()
    assert services.calendar_for().is_working_day(date(2026, 1, 2))


def test_load_official_overrides_is_idempotent_and_keeps_edits():
    row = CalendarOverride.objects.get(date=date(2026, 1, 2))
    row.reason = "Nghỉ Tết Dương lịch (đã sửa)"
    row.save()
    assert services.load_official_overrides() == 0
    assert CalendarOverride.objects.get(date=date(2026, 1, 2)).reason == "Nghỉ Tết Dương lịch (đã sửa)"
    CalendarOverride.objects.all().delete()
    assert services.load_official_overrides() == 2
    assert not services.calendar_for().is_working_day(date(2026, 1, 2))


def test_new_override_is_seen_at_once():
    calendar = services.calendar_for()
    assert calendar is services.calendar_for()  # cached
    assert calendar.is_working_day(date(2027, 3, 3))
    override(date(2027, 3, 3), Kind.DAY_OFF, reason="Nghỉ bầu cử")
    fresh = services.calendar_for()
    assert fresh is not calendar
    assert not fresh.is_working_day(date(2027, 3, 3))
    assert fresh.day_info(date(2027, 3, 3)).reason == "Nghỉ bầu cử (theo 1/QĐ-UBND)"


def test_changes_made_elsewhere_are_seen_through_the_revision():
    # bulk_create sends no signal, like a save made by another worker process.
    calendar = services.calendar_for()
    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=date(2027, 3, 4), kind=Kind.DAY_OFF, reason="Nghỉ", decision_number="2/QĐ-UBND")]
    )
    assert calendar.is_working_day(date(2027, 3, 4))
    assert not services.calendar_for().is_working_day(date(2027, 3, 4))


def test_unit_closure_applies_to_the_unit_and_the_units_under_it(tree):
    province, commune, other = tree
    override(date(2027, 3, 5), Kind.UNIT_CLOSURE, unit=commune, reason="Sửa chữa trụ sở")
    override(date(2027, 3, 8), Kind.UNIT_CLOSURE, unit=province, reason="Di chuyển trụ sở")
    assert not services.calendar_for(commune).is_working_day(date(2027, 3, 5))
    assert services.calendar_for(other).is_working_day(date(2027, 3, 5))
    assert services.calendar_for().is_working_day(date(2027, 3, 5))
    assert not services.calendar_for(other).is_working_day(date(2027, 3, 8))
    assert not services.calendar_for(commune).is_working_day(date(2027, 3, 8))
    # Received Thursday 4 Mar with 1 working day: Friday is closed, so Monday… which the province closed too.
    assert services.calendar_for(commune).add_working_days(vn(2027, 3, 4, 9), 1) == vn(2027, 3, 9, 17)


def test_the_most_specific_decision_wins(tree):
    province, commune, _ = tree
    override(date(2027, 3, 10), Kind.DAY_OFF, unit=province, reason="Tỉnh cho nghỉ")
    override(date(2027, 3, 10), Kind.WORKING_DAY, unit=commune, reason="Xã trực tiếp nhận hồ sơ")
    assert services.calendar_for(commune).is_working_day(date(2027, 3, 10))
    assert not services.calendar_for(province).is_working_day(date(2027, 3, 10))


def test_office_hours_fall_back_through_the_tree(tree):
    province, commune, other = tree
    saturday = date(2027, 3, 6)
    assert not services.calendar_for(commune).is_working_day(saturday)
    for weekday in range(5):
        OfficeHours.objects.create(unit=province, weekday=weekday, start=time(7), end=time(11, 30))
        OfficeHours.objects.create(unit=province, weekday=weekday, start=time(13), end=time(16, 30))
    OfficeHours.objects.create(unit=province, weekday=Weekday.SATURDAY, start=time(7, 30), end=time(11, 30))
    # The commune has no rows of its own: it follows the province, open on Saturday morning.
    commune_calendar = services.calendar_for(commune)
    assert commune_calendar.is_working_day(saturday)
    assert commune_calendar.add_working_days(vn(2027, 3, 5, 10), 1) == vn(2027, 3, 6, 11, 30)
    assert commune_calendar.add_working_hours(vn(2027, 3, 3, 10, 30), 2) == vn(2027, 3, 3, 14, 0)
    # Rows of its own replace the province's whole week.
    OfficeHours.objects.create(unit=commune, weekday=Weekday.MONDAY, start=time(8), end=time(12))
    commune_calendar = services.calendar_for(commune)
    assert not commune_calendar.is_working_day(saturday)
    # Received on a Friday it no longer opens: the receiving day is Monday, 1 working day ends next Monday.
    assert commune_calendar.add_working_days(vn(2027, 3, 5, 10), 1) == vn(2027, 3, 15, 12)
    assert services.calendar_for(other).is_working_day(saturday)
    # The installation default (no unit) replaces the shipped one for everyone without rows.
    OfficeHours.objects.create(unit=None, weekday=Weekday.MONDAY, start=time(8), end=time(17))
    assert services.calendar_for().add_working_days(vn(2027, 3, 5, 10), 0) == vn(2027, 3, 8, 17)
    assert services.calendar_for().add_working_days(vn(2027, 3, 8, 10), 1) == vn(2027, 3, 15, 17)


def test_moving_a_unit_changes_its_calendar(tree):
    province, commune, other = tree
    override(date(2027, 3, 12), Kind.UNIT_CLOSURE, unit=other, reason="Tập huấn")
    assert services.calendar_for(commune).is_working_day(date(2027, 3, 12))
    Unit.objects.move(commune, other, "last-child")
    commune = Unit.objects.get(pk=commune.pk)
    assert not services.calendar_for(commune).is_working_day(date(2027, 3, 12))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"kind": Kind.UNIT_CLOSURE}, "Ngày đơn vị tạm nghỉ phải ghi rõ đơn vị nghỉ."),
        ({"reason": "   "}, "Hãy ghi lý do của ngày này."),
        ({"decision_number": ""}, "Hãy ghi số hiệu văn bản quyết định ngày này."),
        ({"date": date(2150, 1, 1)}, "Lịch chỉ tính được cho các năm 1995–2100."),
    ],
)
def test_override_validation_speaks_vietnamese(fields, expected):
    values = {"date": date(2027, 3, 3), "kind": Kind.DAY_OFF, "reason": "Lý do", "decision_number": "3/QĐ-UBND", **fields}
    entry = CalendarOverride(**values)
    with translation.override("vi"), pytest.raises(ValidationError) as error:
        entry.full_clean()
    assert expected in messages(error.value)
    assert not CalendarOverride.objects.filter(date=values["date"], decision_number="3/QĐ-UBND").exists()


def test_a_day_cannot_be_both_off_and_worked_in_one_scope(tree):
    _, commune, _ = tree
    override(date(2027, 3, 3), Kind.UNIT_CLOSURE, unit=commune)
    clash = CalendarOverride(date=date(2027, 3, 3), kind=Kind.WORKING_DAY, unit=commune, reason="Trực", decision_number="4/QĐ")
    with translation.override("vi"), pytest.raises(ValidationError) as error:
        clash.full_clean()
    assert any("không thể vừa nghỉ vừa làm việc" in m for m in messages(error.value))
    # In another scope it is the override mechanism working as meant.
    CalendarOverride(date=date(2027, 3, 3), kind=Kind.WORKING_DAY, unit=None, reason="Trực", decision_number="4/QĐ").full_clean()


def test_duplicates_are_refused_including_installation_wide_ones():
    override(date(2027, 3, 3), Kind.DAY_OFF)
    duplicate = CalendarOverride(date=date(2027, 3, 3), kind=Kind.DAY_OFF, reason="Khác", decision_number="5/QĐ")
    with translation.override("vi"), pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Toàn hệ thống đã có một mục cùng loại cho ngày này." in messages(error.value)


def test_office_hours_validation(tree):
    province, _, _ = tree
    with translation.override("vi"):
        with pytest.raises(ValidationError) as error:
            OfficeHours(unit=province, weekday=0, start=time(11), end=time(8)).full_clean()
        assert "Giờ kết thúc phải sau giờ bắt đầu." in messages(error.value)
        OfficeHours.objects.create(unit=province, weekday=0, start=time(7, 30), end=time(11, 30))
        with pytest.raises(ValidationError) as error:
            OfficeHours(unit=province, weekday=0, start=time(11), end=time(13)).full_clean()
        assert messages(error.value) == ["Khung giờ này trùng với khung Thứ Hai 07:30–11:30 của cùng đơn vị, cùng thứ."]
        # Touching is not overlapping, and another unit or weekday is another schedule.
        OfficeHours(unit=province, weekday=0, start=time(11, 30), end=time(12)).full_clean()
        OfficeHours(unit=province, weekday=1, start=time(11), end=time(13)).full_clean()
        OfficeHours(unit=None, weekday=0, start=time(11), end=time(13)).full_clean()


def test_admin_lists_filters_and_searches_overrides(admin_client, tree):
    _, commune, _ = tree
    override(date(2027, 3, 5), Kind.UNIT_CLOSURE, unit=commune, reason="Sửa chữa trụ sở", number="9/QĐ-UBND")
    with translation.override("vi"):
        page = admin_client.get("/admin/workcal/calendaroverride/", {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="vi")
        assert page.status_code == 200
        text = page.content.decode()
        assert "12729/VPCP-KGVX ngày 25/12/2025" in text and "Toàn hệ thống" in text
        assert "Sửa chữa trụ sở" not in text
        page = admin_client.get("/admin/workcal/calendaroverride/", {"q": "trụ sở", "kind": "unit_closure"})
        text = page.content.decode()
        assert "Sửa chữa trụ sở" in text and "12729/VPCP-KGVX" not in text
        assert admin_client.get("/admin/workcal/officehours/").status_code == 200


def test_admin_refuses_a_closure_without_unit(admin_client):
    before = CalendarOverride.objects.count()
    page = admin_client.post(
        "/admin/workcal/calendaroverride/add/",
        {"date": "2027-03-03", "kind": "unit_closure", "reason": "Mất điện", "decision_number": "6/QĐ", "decision_date": ""},
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert page.status_code == 200
    assert "Ngày đơn vị tạm nghỉ phải ghi rõ đơn vị nghỉ." in page.content.decode()
    assert CalendarOverride.objects.count() == before
