"""The portal's demo data, loaded the way `congvu demo` loads it (after units, catalogue and staff)."""

import io

import pytest

from congvu.core import demo as core_demo
from congvu.dossiers.models import Dossier
from congvu.portal import demo

pytestmark = pytest.mark.django_db


def test_demo_files_dossiers_online_that_the_lookup_finds(client, base_demo_only):
    out = io.StringIO()
    assert core_demo.load_demo(stdout=out) is True
    text = out.getvalue()
    dossiers = list(Dossier.objects.filter(channel="online").select_related("receiving_unit", "applicant").order_by("id"))
    assert len(dossiers) == len(demo.DEMO_FILINGS) == 3
    assert [d.receiving_unit.code for d in dossiers] == [f.unit for f in demo.DEMO_FILINGS]
    assert sorted(d.state for d in dossiers) == ["received", "submitted_online", "submitted_online"]
    assert all(d.documents.exclude(file=None).exists() for d in dossiers)
    for dossier, filing in zip(dossiers, demo.DEMO_FILINGS):
        assert dossier.code in text
        response = client.post("/tra-cuu/", {"code": dossier.code, "digits": filing.phone.replace(" ", "")[-4:]})
        assert response.status_code == 303
        assert client.get(response["Location"]).status_code == 200
    assert "thủ tục nộp được trực tuyến" in text
    # Loading the portal's part again files nothing twice.
    assert demo.load(io.StringIO()) == [] and Dossier.objects.filter(channel="online").count() == 3


def test_the_demo_pdf_is_a_well_formed_document():
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(demo.demo_pdf("Ban scan minh hoa (1)")))
    assert len(reader.pages) == 1 and "Ban scan minh hoa (1)" in reader.pages[0].extract_text()
