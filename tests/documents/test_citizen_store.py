"""The citizen's document store: results filed once per dossier, listed for their holder, and reuse counted
for the digitisation indicators (Decision 766: share of dossiers reusing digitised data)."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from congvu.catalog import selectors as catalog_selectors
from congvu.catalog import services as catalog_services
from congvu.documents import selectors, services
from congvu.documents.models import CitizenDocument
from congvu.dossiers.models import Applicant, Channel, Dossier, DossierDocument
from congvu.units.models import UnitKind
from congvu.units.services import add_unit

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
PID = "042190001234"
PDF = b"%PDF-1.7\n%%EOF\n"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


@pytest.fixture
def result_file(db):
    return services.store_generated(PDF, "Giấy khai sinh.pdf")


def test_store_for_citizen_files_once_per_dossier(result_file):
    first = services.store_for_citizen(PID, "  Giấy khai sinh  bản điện tử ", result_file, "H30.01.02-260213-0007", at(2026, 2, 20, 9, 0))
    again = services.store_for_citizen(PID, "Giấy khai sinh", result_file, "H30.01.02-260213-0007", at(2026, 2, 20, 9, 5))
    assert first.pk == again.pk
    assert first.name == "Giấy khai sinh bản điện tử"
    assert CitizenDocument.objects.count() == 1


@pytest.mark.parametrize(
    "pid,name,issued,field",
    [
        ("12345", "Giấy khai sinh", at(2026, 1, 1), "personal_id"),
        ("04219000123a", "Giấy khai sinh", at(2026, 1, 1), "personal_id"),
        (PID, "   ", at(2026, 1, 1), "name"),
        (PID, "Giấy khai sinh", dt.datetime(2026, 1, 1, 9, 0), "issued_at"),
    ],
)
def test_store_for_citizen_refuses_bad_input_and_writes_nothing(result_file, pid, name, issued, field):
    with pytest.raises(ValidationError) as caught:
        services.store_for_citizen(pid, name, result_file, "X-1", issued)
    assert field in caught.value.error_dict
    assert CitizenDocument.objects.count() == 0


def test_documents_of_lists_only_the_holders_documents_newest_first(result_file):
    older = services.store_for_citizen(PID, "Giấy khai sinh", result_file, "A-1", at(2025, 8, 1, 9, 0))
    newer = services.store_for_citizen(PID, "Trích lục kết hôn", services.store_generated(PDF + b"2", "kh.pdf"), "A-2", at(2026, 1, 5, 9, 0))
    services.store_for_citizen("001090000001", "Giấy khai sinh", result_file, "B-1", at(2026, 1, 1, 9, 0))
    assert list(selectors.documents_of(PID)) == [newer, older]
    assert list(services.documents_of(" " + PID + " ")) == [newer, older]
    assert selectors.documents_of("").count() == 0


@pytest.fixture
def two_dossiers(db):
    province = add_unit("Tỉnh Hà Tĩnh", UnitKind.PROVINCE, "HT")
    commune = add_unit("Phường Thành Sen", UnitKind.COMMUNE, "HT-TS", province, identifier="H30.01.02")
    other = add_unit("Xã Cẩm Bình", UnitKind.COMMUNE, "HT-CB", province, identifier="H30.01.03")
    catalog_services.import_starter_catalog(effective_from=dt.date(2025, 7, 1))
    version = catalog_selectors.version_in_force(catalog_selectors.procedure_by_code("1.001193"))

    def dossier(code, unit):
        applicant = Applicant.objects.create(full_name="Lê Thị Hồng Nhung", personal_id=PID)
        return Dossier.objects.create(
            code=code, procedure_version=version, receiving_unit=unit, handling_unit=unit, current_unit=unit,
            applicant=applicant, channel=Channel.ONLINE, state="processing", received_at=at(2026, 3, 1, 9, 0),
        )

    return dossier("H30.01.02-260301-0001", commune), dossier("H30.01.03-260301-0001", other)


def test_reuse_count_counts_reused_documents_and_dossiers(two_dossiers, result_file):
    first, second = two_dossiers
    birth = services.store_for_citizen(PID, "Giấy khai sinh", result_file, "OLD-1", at(2025, 8, 1, 9, 0))
    marriage = services.store_for_citizen(PID, "Trích lục kết hôn", services.store_generated(PDF + b"m", "kh.pdf"), "OLD-2", at(2025, 9, 1, 9, 0))
    DossierDocument.objects.create(dossier=first, name="Giấy khai sinh", reused_from=birth, file=birth.file, added_at=at(2026, 3, 1, 9, 5))
    DossierDocument.objects.create(dossier=first, name="Trích lục kết hôn", reused_from=marriage, file=marriage.file, added_at=at(2026, 3, 1, 9, 6))
    DossierDocument.objects.create(dossier=second, name="Giấy khai sinh", reused_from=birth, file=birth.file, added_at=at(2026, 4, 2, 9, 0))
    DossierDocument.objects.create(dossier=second, name="Tờ khai (bản quét mới)", added_at=at(2026, 4, 2, 9, 0))

    assert selectors.reuse_count() == 3
    assert selectors.reuse_count(distinct_dossiers=True) == 2
    assert selectors.reuse_count(dossiers=Dossier.objects.filter(pk=first.pk)) == 2
    assert selectors.reuse_count(dossiers=Dossier.objects.filter(pk=first.pk), distinct_dossiers=True) == 1
    # Both conditions apply to the same reuse: the April reuse is the second dossier's, not the first's.
    assert selectors.reuse_count(dossiers=Dossier.objects.filter(pk=first.pk), since=at(2026, 4, 1)) == 0
    assert selectors.reuse_count(since=at(2026, 4, 1), until=at(2026, 5, 1)) == 1
    assert {d.name: d.reuse_total for d in selectors.documents_of(PID)} == {"Giấy khai sinh": 2, "Trích lục kết hôn": 1}
