"""Internal workflows: shares that add up to the time limit exactly, and the unit's own workflow first."""

from decimal import Decimal

import pytest
from django.urls import reverse

from congvu.catalog import selectors, services
from congvu.catalog.errors import CatalogErrorCode, WorkflowError
from congvu.catalog.models import ProcedureChange, WorkflowStep

from .test_completion import admin_form_data

pytestmark = pytest.mark.django_db

STEPS = [
    {"name": "Tiếp nhận hồ sơ", "share": "0.5", "role": "one_stop_officer"},
    {"name": "Thẩm định, xác minh", "share": "5", "role": "specialist", "unit_kind": "commune"},
    {"name": "Ký duyệt", "share": "1", "role": "unit_leader"},
    {"name": "Trả kết quả", "share": "0.5", "role": "one_stop_officer"},
]


def test_shares_adding_up_to_the_limit_are_saved_in_order(starter, version_of):
    version = version_of("1.004222")  # 7 working days
    created = services.set_workflow(version, STEPS, reason="Quy trình nội bộ theo Quyết định 1234/QĐ-UBND")
    workflow = selectors.workflow_for(version)
    assert [s.name for s in workflow.steps] == [s["name"] for s in STEPS] == [s.name for s in created]
    assert workflow.total == Decimal(7) and workflow.unit is None
    change = ProcedureChange.objects.get(version=version)
    assert change.field_path == "workflow" and "Ký duyệt (1)" in change.new_value


def test_shares_that_do_not_add_up_are_refused_naming_the_totals(starter, version_of, vietnamese):
    version = version_of("1.004222")
    short = STEPS[:3]
    with pytest.raises(WorkflowError) as caught:
        services.set_workflow(version, short)
    assert caught.value.code == CatalogErrorCode.WORKFLOW_SHARES
    assert caught.value.message == (
        "Tổng thời gian các bước là 6,5 ngày làm việc, khác thời hạn giải quyết 7 ngày làm việc: "
        "thời gian các bước phải cộng lại đúng bằng thời hạn."
    )
    too_long = STEPS + [{"name": "Lưu hồ sơ", "share": "0.25", "role": "specialist"}]
    with pytest.raises(WorkflowError, match="7,25 ngày làm việc"):
        services.set_workflow(version, too_long)
    assert not WorkflowStep.objects.exists()


def test_steps_need_someone_responsible_and_a_time_limit(starter, version_of, vietnamese):
    version = version_of("1.004222")
    with pytest.raises(WorkflowError, match="vai trò hoặc loại đơn vị"):
        services.set_workflow(version, [{"name": "Một bước", "share": "7"}])
    no_limit = version_of("2.000635")  # "Không có thông tin"
    with pytest.raises(WorkflowError) as caught:
        services.set_workflow(no_limit, [{"name": "Một bước", "share": "1", "role": "specialist"}])
    assert caught.value.code == CatalogErrorCode.WORKFLOW_NO_TIME_LIMIT


def test_workflow_for_prefers_the_units_own(starter, version_of, unit_factory):
    version = version_of("1.004222")
    ward, other = unit_factory("phuong-ba-dinh"), unit_factory("xa-dong-anh")
    services.set_workflow(version, STEPS)
    services.set_workflow(version, [{"name": "Giải quyết tại phường", "share": "7", "unit_kind": "commune"}], unit=ward)
    assert [s.name for s in selectors.workflow_for(version, ward).steps] == ["Giải quyết tại phường"]
    assert selectors.workflow_for(version, ward).unit == ward
    assert selectors.workflow_for(version, other).unit is None
    assert len(selectors.workflow_for(version, other).steps) == 4
    assert selectors.workflow_for(version_of("1.004194")) is None


def test_admin_refuses_shares_that_do_not_add_up(starter, version_of, admin_user, client, vietnamese):
    version = version_of("1.004194")  # 3 working days
    client.force_login(admin_user)
    url = reverse("admin:catalog_procedureversion_change", args=[version.pk])
    data = admin_form_data(client.get(url))
    data.update({
        "change_reason": "Quy trình nội bộ mới",
        "workflow_steps-TOTAL_FORMS": "2",
        "workflow_steps-0-position": "0", "workflow_steps-0-name": "Tiếp nhận", "workflow_steps-0-role": "one_stop_officer", "workflow_steps-0-share": "1",
        "workflow_steps-1-position": "1", "workflow_steps-1-name": "Giải quyết", "workflow_steps-1-role": "specialist", "workflow_steps-1-share": "1.5",
    })
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Tổng thời gian các bước là 2,5 ngày làm việc, khác thời hạn giải quyết 3 ngày làm việc" in refused.content.decode()
    assert not WorkflowStep.objects.exists()
    data["workflow_steps-1-share"] = "2"
    assert client.post(url, data).status_code == 302
    assert [s.name for s in selectors.workflow_for(version).steps] == ["Tiếp nhận", "Giải quyết"]
    assert ProcedureChange.objects.filter(version=version, field_path="workflowstep[+]").count() == 2


def test_changing_the_time_limit_under_a_workflow_is_refused(starter, version_of, vietnamese):
    version = version_of("1.004222")
    services.set_workflow(version, STEPS)
    with pytest.raises(WorkflowError, match="khác thời hạn giải quyết 5 ngày làm việc"):
        services.complete_procedure(version, time_limit_value=5, rule="Quyết định sửa đổi thời hạn")
    version.refresh_from_db()
    assert version.time_limit_value == 7 and not ProcedureChange.objects.filter(field_path="time_limit_value").exists()
