"""Which version governs a dossier, and whether a version may receive dossiers at all."""

import datetime as dt
import zoneinfo

import pytest

from congvu.catalog import selectors, services
from congvu.catalog.errors import CatalogErrorCode, ProcedureNotReceivable
from congvu.catalog.models import Procedure, ProcedureVersion, VersionStatus

pytestmark = pytest.mark.django_db
HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def new_version(procedure: Procedure, base: ProcedureVersion, number: int, effective_from: dt.date, status=VersionStatus.PUBLISHED, **changes):
    version = ProcedureVersion.objects.get(pk=base.pk)
    version.pk = None
    version.number, version.effective_from, version.status = number, effective_from, status
    for name, value in changes.items():
        setattr(version, name, value)
    version.save()
    return version


def test_version_in_force_by_date(starter):
    procedure = Procedure.objects.get(code="1.004222")
    v1 = procedure.versions.get()
    v2 = new_version(procedure, v1, 2, dt.date(2026, 1, 1), decision_number="2/QĐ")
    new_version(procedure, v1, 3, dt.date(2026, 2, 1), status=VersionStatus.DRAFT)
    assert selectors.version_in_force(procedure, dt.date(2025, 6, 30)) is None
    assert selectors.version_in_force(procedure, dt.date(2025, 7, 1)) == v1
    assert selectors.version_in_force(procedure, dt.date(2025, 12, 31)) == v1
    assert selectors.version_in_force(procedure, dt.date(2026, 1, 1)) == v2
    assert selectors.version_in_force(procedure, dt.date(2027, 1, 1)) == v2  # a draft never takes effect
    # An instant is read on the Vietnamese calendar: 31 Dec 2025 23:30 in Hanoi is 16:30 UTC, still v1.
    assert selectors.version_in_force(procedure, dt.datetime(2025, 12, 31, 23, 30, tzinfo=HANOI)) == v1
    assert selectors.version_in_force(procedure, dt.datetime(2025, 12, 31, 17, 30, tzinfo=dt.timezone.utc)) == v2


def test_current_versions_lists_one_row_per_procedure(starter):
    procedure = Procedure.objects.get(code="1.004222")
    v1 = procedure.versions.get()
    v2 = new_version(procedure, v1, 2, dt.date(2026, 1, 1))
    current = selectors.current_versions(dt.date(2026, 1, 2))
    assert current.count() == 50
    assert current.get(procedure=procedure) == v2
    assert selectors.current_versions(dt.date(2025, 12, 1)).get(procedure=procedure) == v1
    assert procedure.current_version == v2


def test_a_complete_version_can_receive(starter, version_of):
    services.assert_can_receive(version_of("1.004222"))  # 7 working days, fees 10.000/20.000 đồng


def test_an_incomplete_version_cannot_receive_and_says_why_in_vietnamese(starter, version_of, vietnamese):
    version = version_of("1.000656")  # death registration: "1" without unit, fee set by the People's Council
    with pytest.raises(ProcedureNotReceivable) as caught:
        services.assert_can_receive(version)
    error = caught.value
    assert error.code == CatalogErrorCode.NOT_RECEIVABLE
    assert error.message.startswith("Thủ tục 1.000656 chưa thể tiếp nhận hồ sơ:")
    assert "Thời hạn giải quyết chưa có đơn vị" in error.message
    assert "Lệ phí chưa có số tiền" in error.message
    assert len(error.reasons) == 2


def test_calendar_days_need_confirmation_before_intake(starter, version_of, vietnamese):
    version = version_of("3.000333")  # judicial record: "10 Ngày"
    with pytest.raises(ProcedureNotReceivable, match="xác nhận"):
        services.assert_can_receive(version)
    services.complete_procedure(version, time_limit_unit="days", rule="Luật Lý lịch tư pháp 2009, Điều 48: không quá 10 ngày")
    version.refresh_from_db()
    assert version.is_complete and version.time_limit_unit_confirmed
    services.assert_can_receive(version)


def test_abolished_procedure_stays_readable_but_refuses_dossiers(starter, vietnamese):
    procedure = Procedure.objects.get(code="1.004222")
    before = procedure.versions.get()
    abolished = services.abolish_procedure(procedure, decision_number="15/QĐ-UBND", decision_date=dt.date(2026, 2, 20), effective_from=dt.date(2026, 3, 1), reason="Bãi bỏ theo quyết định công bố")
    assert (abolished.number, abolished.status, abolished.name) == (2, VersionStatus.ABOLISHED, before.name)
    assert abolished.documents.count() == before.documents.count() and abolished.fees.count() == before.fees.count()
    assert selectors.version_in_force(procedure, dt.date(2026, 2, 28)) == before
    assert selectors.version_in_force(procedure, dt.date(2026, 3, 1)) == abolished
    with pytest.raises(ProcedureNotReceivable, match="đã bị bãi bỏ"):
        services.assert_can_receive(abolished)
    services.assert_can_receive(before)  # a dossier received before keeps its version
    assert abolished.changes.get().field_path == "status"


def test_draft_cannot_receive(starter, version_of, vietnamese):
    version = version_of("1.004222")
    version.status = VersionStatus.DRAFT
    with pytest.raises(ProcedureNotReceivable, match="chưa được công bố"):
        services.assert_can_receive(version)
