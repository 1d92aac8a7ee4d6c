"""Fixtures for the catalogue tests: the real starter file, raw records to break, a loaded catalogue."""

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import translation

STARTER = Path(__file__).resolve().parents[2] / "src" / "congvu" / "catalog" / "data" / "procedures.json"
STARTER_DAY = dt.date(2025, 7, 1)


@pytest.fixture(scope="session")
def starter_bytes() -> bytes:
    return STARTER.read_bytes()


@pytest.fixture(scope="session")
def starter_data(starter_bytes) -> list[dict]:
    return json.loads(starter_bytes)


@pytest.fixture
def raw_records(starter_data) -> list[dict]:
    """A fresh deep copy of the starter records, to mutate into bad files."""
    return copy.deepcopy(starter_data)


def dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def starter(db):
    """The starter catalogue imported as the demo does (effective 1 Jul 2025)."""
    from congvu.catalog import services

    return services.import_starter_catalog(effective_from=STARTER_DAY)


@pytest.fixture
def version_of(db):
    """code → the version in force (loaded fresh)."""
    from congvu.catalog import selectors

    def get(code: str):
        return selectors.version_in_force(selectors.procedure_by_code(code))

    return get


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("catalog-admin", "admin@example.gov.vn", "matkhau-rat-dai-123", first_name="Lan", last_name="Nguyễn")


@pytest.fixture
def unit_factory(db):
    from congvu.units.models import Unit, UnitKind

    def make(code: str, name: str | None = None, kind: str = UnitKind.COMMUNE):
        return Unit.objects.add_root(instance=Unit(code=code, name=name or f"Xã {code}", kind=kind))

    return make
