"""Decree 118/2025 at intake (counter service, counter page, online filing): a procedure the province lists is received
for an applicant from anywhere in the province and routed to the competent unit; one it does not list is refused for
an applicant of another commune, naming the competent centre, with nothing written; an applicant of the centre's own
commune is received as before."""

import datetime as dt

import pytest

from congvu.catalog import boundary
from congvu.dossiers.models import Applicant, Dossier, DossierEvent, IntakeRecord
from congvu.dossiers.services import DossierError, receive_dossier, submit_online
from congvu.units import services as units
from congvu.units.models import UnitKind
from tests.dossiers.conftest import CITIZEN, local, submit_ids
from tests.dossiers.test_pages import intake_data

pytestmark = pytest.mark.django_db
AT = local(2026, 3, 2, 9, 0)


def counts():
    return Dossier.objects.count(), Applicant.objects.count(), IntakeRecord.objects.count(), DossierEvent.objects.count()


@pytest.fixture
def b_centre(place):
    """Đông Anh's own service centre, with the address and phone the refusal must give."""
    centre = units.add_unit("Trung tâm Phục vụ hành chính công xã Đông Anh", UnitKind.SERVICE_CENTRE, "T01-B-TT", parent=place.b,
                            identifier="H99.02.TT1")
    centre.address = "Số 68 đường Cao Lỗ, xã Đông Anh"
    centre.phone = "02438831234"
    centre.save()
    return centre


def listing(place, code, day=dt.date(2026, 1, 1)):
    return boundary.add_listing(code, place.province, "15/QĐ-UBND", day)


def receive_at_centre(staff, place, version, residence, **kwargs):
    return receive_dossier(staff.officer, place.centre, version, {**CITIZEN, "residence": residence}, checked_document_ids=submit_ids(version),
                           at=AT, **kwargs)


# ------------------------------------------------------------------------------------------------ counter (service)


def test_listed_procedure_is_received_for_another_commune_and_routed_there(place, staff, catalogue):
    listed = listing(place, "1.004884")
    dossier = receive_at_centre(staff, place, catalogue.five, place.b.code)
    assert dossier.receiving_unit == place.centre and dossier.handling_unit == place.b
    assert dossier.code.startswith("H99.01.TT1-260302-")  # numbered by the centre that received it
    units_of_steps = [(s.role, s.unit.code) for s in dossier.steps.order_by("position")]
    assert units_of_steps == [("one_stop_officer", "T01-A-TT"), ("specialist", "T01-B"), ("unit_leader", "T01-B"), ("one_stop_officer", "T01-A-TT")]
    event = dossier.events.get()
    assert event.data["boundary_free"] == {"decision_number": "15/QĐ-UBND", "decision_date": listed.decision_date.isoformat(), "handling_unit": "T01-B"}


def test_unlisted_procedure_for_another_commune_is_refused_naming_its_centre(place, staff, catalogue, b_centre):
    before = counts()
    with pytest.raises(DossierError) as caught:
        receive_at_centre(staff, place, catalogue.five, place.b.code)
    error = caught.value
    assert (error.code, error.status) == ("outside_boundary", 422)
    assert "không thuộc danh mục thủ tục hành chính tiếp nhận không phụ thuộc địa giới hành chính của Thành phố Thử Nghiệm" in error.message
    assert "Trung tâm Phục vụ hành chính công xã Đông Anh, địa chỉ: Số 68 đường Cao Lỗ, xã Đông Anh, điện thoại: 024 3883 1234" in error.message
    assert error.fields == {"applicant.residence": [error.message]}
    assert counts() == before


def test_listing_ended_before_the_day_no_longer_allows_it(place, staff, catalogue):
    boundary.end_listing(listing(place, "1.004884"), dt.date(2026, 2, 28), "40/QĐ-UBND")
    with pytest.raises(DossierError, match="Xã Đông Anh"):  # no centre of its own: the commune itself is named
        receive_at_centre(staff, place, catalogue.five, place.b.code)


@pytest.mark.parametrize("residence", ["", "T01-A"])
def test_own_commune_or_not_given_is_received_as_before(place, staff, catalogue, residence):
    dossier = receive_at_centre(staff, place, catalogue.five, residence)
    assert dossier.handling_unit == place.a and "boundary_free" not in dossier.events.get().data


def test_unknown_residence_is_invalid_input(place, staff, catalogue):
    before = counts()
    with pytest.raises(DossierError) as caught:
        receive_at_centre(staff, place, catalogue.five, "T01-STP")  # a department is nobody's residence
    assert caught.value.fields == {"applicant.residence": ["Chọn xã, phường nơi người nộp cư trú."]}
    assert counts() == before


def test_province_level_procedure_at_a_commune_centre(place, staff, catalogue):
    police = units.add_unit("Công an Thành phố Thử Nghiệm", UnitKind.DEPARTMENT, "T01-CA", parent=place.province)
    licence = catalogue.version("3.000347")  # driving licence exchange: province level, agency "… Công an tỉnh …"
    before = counts()
    with pytest.raises(DossierError) as caught:
        receive_at_centre(staff, place, licence, "")
    assert "là thủ tục cấp tỉnh" in caught.value.message and "Thành phố Thử Nghiệm, địa chỉ: chưa công bố" in caught.value.message
    assert caught.value.fields == {"procedure": [caught.value.message]}
    assert counts() == before
    listing(place, "3.000347")
    dossier = receive_at_centre(staff, place, licence, place.b.code)
    assert dossier.handling_unit == police


def test_province_centre_and_explicit_handling_unit_unchanged(place, staff, catalogue):
    """A centre outside any commune is not bound by a commune's boundary; an officer's explicit choice stays."""
    province_officer = units.create_staff_member("motcua-tinh", "Cán bộ tỉnh", place.dept, "one_stop_officer", password="x-Rong-2025!").user
    dossier = receive_dossier(province_officer, place.dept, catalogue.five, {**CITIZEN, "residence": place.b.code},
                              checked_document_ids=submit_ids(catalogue.five), at=AT)
    assert dossier.handling_unit == place.dept
    listing(place, "1.004884")
    chosen = receive_at_centre(staff, place, catalogue.five, place.b.code, handling_unit=place.a)
    assert chosen.handling_unit == place.a


# ------------------------------------------------------------------------------------------------ online


def test_online_filing_follows_the_same_rule(place, staff, catalogue, b_centre):
    before = counts()
    with pytest.raises(DossierError, match="Trung tâm Phục vụ hành chính công xã Đông Anh"):
        submit_online(place.centre, catalogue.five, {**CITIZEN, "residence": place.b.code}, at=AT)
    assert counts() == before
    listing(place, "1.004884")
    filed = submit_online(place.centre, catalogue.five, {**CITIZEN, "residence": place.b.code}, at=AT)
    assert filed.handling_unit == place.b and filed.events.get().data["boundary_free"]["handling_unit"] == "T01-B"
    same = submit_online(place.centre, catalogue.five, {**CITIZEN, "residence": place.a.code}, at=AT)
    assert same.handling_unit == place.a


# ------------------------------------------------------------------------------------------------ counter page


@pytest.fixture
def officer_client(client, staff):
    client.force_login(staff.officer)
    return client


def test_counter_page_offers_the_residence_and_shows_the_refusal(officer_client, place, catalogue, b_centre):
    page = officer_client.get("/staff/dossiers/tiep-nhan/", {"procedure": catalogue.five.procedure.code}).content.decode()
    assert 'name="residence"' in page and "Xã, phường nơi cư trú" in page and '<option value="T01-B">Xã Đông Anh</option>' in page
    before = counts()
    response = officer_client.post("/staff/dossiers/tiep-nhan/", intake_data(catalogue.five, residence="T01-B"))
    html = response.content.decode()
    assert response.status_code == 400 and "Trung tâm Phục vụ hành chính công xã Đông Anh" in html and "024 3883 1234" in html
    assert counts() == before
    listing(place, "1.004884", day=dt.date(2025, 1, 1))
    response = officer_client.post("/staff/dossiers/tiep-nhan/", intake_data(catalogue.five, residence="T01-B"))
    assert response.status_code == 302
    assert Dossier.objects.get().handling_unit == place.b
