"""Completing what the portal leaves out: through the service, the demo rules and the admin, always recorded."""

import pytest
from django.urls import reverse

from congvu.catalog import selectors, services
from congvu.catalog.errors import CompletionError
from congvu.catalog.models import ChangeSource, ProcedureChange, ProcedureVersion

pytestmark = pytest.mark.django_db


def test_complete_procedure_records_each_change_with_its_rule(starter, version_of, admin_user):
    version = version_of("1.000656")
    fee = version.fees.get()
    rule = "Nghị quyết 06/2020/NQ-HĐND tỉnh: lệ phí đăng ký khai tử 8.000 đồng"
    services.complete_procedure(version, time_limit_unit="working_days", fee_amounts={fee.pk: 8000}, fee_basis="Nghị quyết 06/2020/NQ-HĐND", actor=admin_user, rule=rule)
    version.refresh_from_db()
    assert version.is_complete and not version.gaps.exists()
    rows = list(ProcedureChange.objects.filter(version=version).order_by("id").values_list("field_path", "old_value", "new_value", "reason", "actor_name", "source"))
    assert rows == [
        ("time_limit_unit", "", "working_days", rule, "Lan Nguyễn", ChangeSource.SERVICE),
        ("time_limit_unit_confirmed", "false", "true", rule, "Lan Nguyễn", ChangeSource.SERVICE),
        ("fees[0].amount_vnd", "", "8000", rule, "Lan Nguyễn", ChangeSource.SERVICE),
        ("fees[0].amount_basis", "", "Nghị quyết 06/2020/NQ-HĐND", rule, "Lan Nguyễn", ChangeSource.SERVICE),
        ("is_complete", "false", "true", rule, "Lan Nguyễn", ChangeSource.SERVICE),
    ]
    services.assert_can_receive(version)


def test_partial_completion_keeps_the_rest_flagged(starter, version_of):
    version = version_of("1.000656")
    services.complete_procedure(version, time_limit_unit="working_days", rule="Luật Hộ tịch 2014")
    version.refresh_from_db()
    assert not version.is_complete
    assert list(version.gaps.values_list("code", flat=True)) == ["fee_amount_missing"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"time_limit_unit": "weeks", "rule": "x"},
        {"time_limit_value": -1, "rule": "x"},
        {"fee_amounts": {999999: 1000}, "rule": "x"},
        {"time_limit_unit": "days", "rule": "  "},
    ],
    ids=["unknown-unit", "negative-value", "foreign-fee", "no-rule"],
)
def test_bad_completion_changes_nothing(starter, version_of, kwargs):
    version = version_of("1.000656")
    with pytest.raises(CompletionError):
        services.complete_procedure(version, **kwargs)
    version.refresh_from_db()
    assert version.time_limit_unit is None and not ProcedureChange.objects.exists()


def test_demo_rules_complete_civil_status_and_leave_the_rest(starter):
    report = services.apply_demo_completion_rules()
    assert report.completed == ["1.000656", "1.000689", "1.000894", "1.001022", "1.001193", "1.004859", "1.004873", "1.004884", "2.000528", "2.000806"]
    assert len(report.still_incomplete) == 26
    assert selectors.current_versions().filter(is_complete=False).count() == 26
    birth_changes = ProcedureChange.objects.filter(procedure__code="1.001193", field_path="time_limit_unit").get()
    assert birth_changes.source == ChangeSource.DEMO_RULE
    assert "Luật Hộ tịch 2014" in birth_changes.reason
    death_fee = ProcedureVersion.objects.get(procedure__code="1.000656").fees.get()
    assert death_fee.amount_vnd == 10_000
    assert "demo" in death_fee.amount_basis.lower()
    assert ProcedureChange.objects.filter(field_path="linked_procedures").count() == 2
    # Applying again changes nothing.
    count = ProcedureChange.objects.count()
    again = services.apply_demo_completion_rules()
    assert (again.completed, again.changed, ProcedureChange.objects.count()) == ([], [], count)


# ------------------------------------------------------------------------------------------ admin

def admin_form_data(response) -> dict:
    """The POST an administrator's browser would send back for the change form, unchanged."""
    data = {}
    form = response.context["adminform"].form
    for bound in form:
        _put(data, bound.html_name, bound.value())
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            data[bound.html_name] = bound.value()
        for sub in formset.forms:
            for bound in sub:
                _put(data, bound.html_name, bound.value())
    return data


def _put(data, name, value):
    if value is None or value is False:
        return
    if value is True:
        data[name] = "on"
    elif isinstance(value, (list, tuple)):
        data[name] = [str(v) for v in value]
    else:
        data[name] = str(value)


def test_admin_completion_is_recorded_and_recomputes_completeness(starter, version_of, admin_user, client):
    version = version_of("1.000656")
    client.force_login(admin_user)
    url = reverse("admin:catalog_procedureversion_change", args=[version.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = admin_form_data(page)
    data["time_limit_unit"] = "working_days"
    data["time_limit_unit_confirmed"] = "on"
    data["fees-0-amount_vnd"] = "8000"
    data["fees-0-amount_basis"] = "Nghị quyết 06/2020/NQ-HĐND"

    # Without a reason the form refuses and nothing changes.
    refused = client.post(url, data)
    assert refused.status_code == 200 and "change_reason" in refused.context["adminform"].form.errors
    assert not ProcedureChange.objects.exists()

    data["change_reason"] = "Nghị quyết 06/2020/NQ-HĐND của HĐND tỉnh; Luật Hộ tịch 2014"
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    version.refresh_from_db()
    assert version.is_complete
    changes = {c.field_path: c for c in ProcedureChange.objects.filter(version=version)}
    assert set(changes) == {"time_limit_unit", "time_limit_unit_confirmed", "fee[0].amount_vnd", "fee[0].amount_basis", "is_complete"}
    assert (changes["fee[0].amount_vnd"].old_value, changes["fee[0].amount_vnd"].new_value) == ("", "8000")
    assert all(c.actor == admin_user and c.source == ChangeSource.ADMIN for c in changes.values())
    assert changes["is_complete"].reason.startswith("Nghị quyết 06/2020")

    # The record is shown in the admin: under the version and in its own list.
    assert "Nghị quyết 06/2020/NQ-HĐND" in client.get(url).content.decode()
    listing = client.get(reverse("admin:catalog_procedurechange_changelist"), {"q": "1.000656"})
    assert listing.status_code == 200 and "fee[0].amount_vnd" in listing.content.decode()


def test_admin_lists_and_searches_accent_insensitively(starter, admin_user, client):
    client.force_login(admin_user)
    response = client.get(reverse("admin:catalog_procedureversion_changelist"), {"q": "Đăng ký KHAI SINH", "is_complete__exact": "0"})
    assert response.status_code == 200
    found = sorted(v.procedure.code for v in response.context["cl"].result_list)
    assert found == ["1.000689", "1.001193", "1.004884", "2.000528", "2.000986", "2.001023"]
    assert client.get(reverse("admin:catalog_procedure_changelist"), {"q": "ho tich"}).status_code == 200
    assert client.get(reverse("admin:catalog_field_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_procedureversion_add")).status_code == 200


def test_admin_records_links_and_edited_rows_by_name(starter, version_of, admin_user, client):
    version = version_of("2.000986")
    client.force_login(admin_user)
    url = reverse("admin:catalog_procedureversion_change", args=[version.pk])
    data = admin_form_data(client.get(url))
    birth, residence = (ProcedureVersion.objects.get(procedure__code=c, number=1).procedure for c in ("1.001193", "1.004222"))
    data["linked_procedures"] = [str(birth.pk), str(residence.pk)]
    data["results-0-name"] = "Giấy khai sinh (bản chính)"
    data["change_reason"] = "Nghị định 63/2024/NĐ-CP: liên thông khai sinh, thường trú"
    assert client.post(url, data).status_code == 302
    changes = {c.field_path: (c.old_value, c.new_value) for c in ProcedureChange.objects.filter(version=version)}
    assert changes["linked_procedures"] == ("", "1.001193, 1.004222")
    old_result = changes["resultdocument[0].name"][0]
    assert old_result == "Thông báo kết quả giải quyết thủ tục về cư trú, hủy bỏ thủ tục về cư trú"
    assert changes["resultdocument[0].name"][1] == "Giấy khai sinh (bản chính)"
    assert sorted(p.code for p in version.linked_procedures.all()) == ["1.001193", "1.004222"]


def test_versions_and_procedures_cannot_be_deleted_in_the_admin(starter, version_of, admin_user, client):
    client.force_login(admin_user)
    version = version_of("1.001193")
    assert client.get(reverse("admin:catalog_procedureversion_delete", args=[version.pk])).status_code == 403
    assert client.get(reverse("admin:catalog_procedure_delete", args=[version.procedure.pk])).status_code == 403
    assert ProcedureVersion.objects.filter(pk=version.pk).exists()
