"""Fixtures for the signing tests: a demo CA with certificates issued to a small unit tree, and PDFs made the
way congvu makes them (WeasyPrint)."""

import datetime as dt
from types import SimpleNamespace

import pytest

from congvu.signing import pki
from congvu.units.models import UnitKind
from congvu.units.services import add_unit


@pytest.fixture(scope="session")
def plain_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>Giấy tiếp nhận hồ sơ — bản thử</p><p style='break-before: page'>Trang 2</p>").write_pdf()


@pytest.fixture(scope="session")
def authority() -> pki.Issued:
    return pki.make_authority("CA thử nghiệm", now=dt.datetime.now(dt.UTC))


@pytest.fixture(scope="session")
def unit_material(authority) -> pki.Issued:
    return pki.issue(authority, unit_name="Trung tâm Phục vụ hành chính công phường Hoàn Kiếm", unit_code="T-TT",
                     province="Thành phố Thử Nghiệm", now=dt.datetime.now(dt.UTC))


@pytest.fixture
def units(db):
    province = add_unit("Thành phố Thử Nghiệm", UnitKind.PROVINCE, "T")
    commune = add_unit("Phường Hoàn Kiếm", UnitKind.COMMUNE, "T-HK", parent=province, identifier="H99.01")
    centre = add_unit("Trung tâm Phục vụ hành chính công phường Hoàn Kiếm", UnitKind.SERVICE_CENTRE, "T-TT", parent=commune,
                      identifier="H99.01.TT")
    bare = add_unit("Xã Không Chứng Thư", UnitKind.COMMUNE, "T-KCT", parent=province)
    for unit in (province, commune, centre, bare):
        unit.refresh_from_db()
    return SimpleNamespace(province=province, commune=commune, centre=centre, bare=bare)


@pytest.fixture
def certified(units):
    """The demo CA and certificates for every unit but `bare`."""
    from congvu.signing import services

    services.issue_demo_certificates([units.province, units.commune, units.centre])
    return units
