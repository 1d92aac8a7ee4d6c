"""External indices: the entry form's validation, who may enter, the list with filters and its Excel export,
and `selectors.external_indices`."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from congvu.reform import selectors
from congvu.reform.models import AuditEntry, ExternalIndex

pytestmark = pytest.mark.django_db


def form(place, **overrides):
    data = {"year": "2024", "kind": "pci", "unit": place.province.code, "score": "69,30", "rank": "12", "ranked_count": "63",
            "source": "VCCI", "note": ""}
    data.update(overrides)
    return data


def test_reform_admin_enters_and_edits(login, people, place):
    client = login(people.reform)
    assert client.get(reverse("reform:external_new")).status_code == 200
    response = client.post(reverse("reform:external_new"), form(place))
    assert response.status_code == 302
    item = ExternalIndex.objects.get()
    assert (item.score, item.rank, item.ranked_count, item.unit) == (Decimal("69.30"), 12, 63, place.province)
    response = client.post(reverse("reform:external_edit", args=[item.pk]), form(place, rank="10"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.rank == 10
    audit = AuditEntry.objects.filter(external_index=item).order_by("pk")
    assert [(a.before or {}).get("rank") for a in audit] == [None, 12] and audit.last().after["rank"] == 10


@pytest.mark.parametrize("overrides, message", [
    ({"rank": "70"}, "không thể lớn hơn"),
    ({"score": "", "rank": ""}, "điểm hoặc thứ hạng"),
    ({"score": "120"}, "PCI"),
    ({"year": "1990"}, "2000"),
    ({"kind": "gdp"}, "lựa chọn"),
])
def test_form_validation(login, people, place, overrides, message):
    response = login(people.reform).post(reverse("reform:external_new"), form(place, **overrides))
    assert response.status_code == 400 and message in response.content.decode()
    assert not ExternalIndex.objects.exists()


def test_duplicate_year_kind_unit_is_refused(login, people, place):
    client = login(people.reform)
    client.post(reverse("reform:external_new"), form(place))
    response = client.post(reverse("reform:external_new"), form(place, score="70"))
    assert response.status_code == 400 and ExternalIndex.objects.count() == 1


def test_others_read_but_do_not_enter(login, people, place):
    login(people.reform).post(reverse("reform:external_new"), form(place))
    client = login(people.leader_a)
    assert client.post(reverse("reform:external_new"), form(place, year="2023")).status_code == 403
    response = client.get(reverse("reform:external"))
    assert response.status_code == 200 and "69,3" in response.content.decode()


def test_list_filters_selector_and_export(login, people, place):
    client = login(people.reform)
    client.post(reverse("reform:external_new"), form(place))
    client.post(reverse("reform:external_new"), form(place, year="2023", score="68,45", rank="18"))
    client.post(reverse("reform:external_new"), form(place, kind="papi", score="43,55", rank="11"))
    assert [(i.year, i.kind) for i in selectors.external_indices()] == [(2024, "papi"), (2024, "pci"), (2023, "pci")]
    assert [(i.year, i.kind) for i in selectors.external_indices(year=2023)] == [(2023, "pci")]
    response = client.get(reverse("reform:external_export") + "?kind=pci&sort=year")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [(2023, 68.45, 18), (2024, 69.3, 12)]
