"""Framework versions as rows: installed from the shipped JSON (idempotent), a changed definition under the
same version refused, validated with Vietnamese messages when edited in the admin, frozen once it scored a
sheet; assignment to a unit reaches the units under it unless the nearer unit has its own."""

import copy

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from congvu.evaluation import services
from congvu.evaluation.models import Framework
from tests.evaluation.conftest import MONTH, YEAR

pytestmark = pytest.mark.django_db


def test_install_is_idempotent_and_versions_are_protected(db):
    data = services.shipped_definition("hanoi_3814")
    first = services.install_framework(data)
    assert services.install_framework(copy.deepcopy(data)).pk == first.pk
    assert (first.code, first.version, first.decision) == ("hn-3814-2018", 1, data["decision"])
    changed = copy.deepcopy(data)
    changed["bands"][0]["min"] = 85
    with pytest.raises(ValidationError, match="already exists|đã có"):
        services.install_framework(changed)
    changed["version"] = 2
    assert services.install_framework(changed).version == 2
    broken = copy.deepcopy(data)
    broken["total"] = 90
    with pytest.raises(ValidationError) as info:
        services.install_framework(broken)
    assert any("không bằng tổng điểm 90" in m for m in info.value.messages)
    assert Framework.objects.count() == 2


def test_model_validation_in_vietnamese_and_frozen_after_use(people, nd335, place):
    bad = Framework(definition={**nd335.definition, "groups": []})
    with pytest.raises(ValidationError) as info:
        bad.full_clean()
    assert "chưa có nhóm tiêu chí" in " ".join(info.value.message_dict["definition"])
    services.open_sheet(people.spec1, YEAR, MONTH)
    nd335.definition = {**nd335.definition, "name": "Tên khác"}
    with pytest.raises(ValidationError) as info:
        nd335.full_clean()
    assert info.value.message_dict["definition"]


def test_admin_refuses_an_invalid_definition(admin_client, db):
    response = admin_client.post(reverse("admin:evaluation_framework_add"), {"definition": '{"code": "x"}', "is_active": "on"})
    assert response.status_code == 200 and "Bộ tiêu chí chưa có tên" in response.content.decode()
    assert not Framework.objects.exists()
    data = services.shipped_definition("decree_335")
    import json

    response = admin_client.post(reverse("admin:evaluation_framework_add"), {"definition": json.dumps(data), "is_active": "on"})
    assert response.status_code == 302 and Framework.objects.get().code == "nd-335-2025"


def test_nearest_assignment_wins(place, hn3814, nd335):
    assert services.assignment_for(place.centre, YEAR).framework == nd335  # from the province
    services.assign_framework(hn3814, place.a, YEAR)
    assert services.assignment_for(place.centre, YEAR).framework == hn3814
    assert services.assignment_for(place.b, YEAR).framework == nd335
    services.assign_framework(hn3814, place.province, YEAR + 1, include_subunits=False)
    assert services.assignment_for(place.b, YEAR + 1) is None
    hn3814.is_active = False
    hn3814.save()
    with pytest.raises(ValidationError):
        services.assign_framework(hn3814, place.b, YEAR)
