"""PAdES signing and verification without Django: what a signature proves, and what breaks it."""

import datetime as dt
import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader

from congvu.signing import pades, pki


def signed(plain_pdf, material, authority, **kwargs) -> bytes:
    return pades.sign(plain_pdf, key=material.key, certificate=material.certificate, chain=[authority.certificate],
                      reason="Phát hành", signer_name="Trung tâm", **kwargs)


@pytest.fixture(scope="module")
def signed_pdf(plain_pdf, unit_material, authority) -> bytes:
    return signed(plain_pdf, unit_material, authority)


def test_a_signed_pdf_names_its_signer_and_is_valid_against_our_ca(signed_pdf, authority):
    result = pades.verify(signed_pdf, [authority.certificate])
    assert result.signed and len(result.signatures) == 1
    check = result.signatures[0]
    assert check.good and check.trusted and check.cryptographically_valid
    assert check.integrity == pades.Integrity.UNCHANGED
    assert check.signer_common_name == "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm"
    assert check.signer_unit_code == "T-TT"
    assert "CA thử nghiệm" in check.issuer
    assert check.signed_at is not None and abs(check.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert check.reason == "Phát hành"


def test_the_signature_is_pades_baseline(signed_pdf):
    field = PdfReader(io.BytesIO(signed_pdf)).get_fields()[pades.FIELD_NAME]
    assert field["/V"]["/SubFilter"] == "/ETSI.CAdES.detached"


def test_one_byte_changed_inside_the_signed_range_shows_altered(signed_pdf, authority):
    tampered = bytearray(signed_pdf)
    position = signed_pdf.index(b"/MediaBox")  # the page size of the signed revision
    tampered[position + 1] = ord("N")  # /MediaBox → /NediaBox
    check = pades.verify(bytes(tampered), [authority.certificate]).signatures[0]
    assert check.integrity == pades.Integrity.ALTERED and not check.good


def test_changing_a_byte_of_the_signature_itself_shows_altered(signed_pdf, authority):
    tampered = bytearray(signed_pdf)
    start = signed_pdf.index(b"/Contents <") + len(b"/Contents <")
    header = bytes.fromhex(signed_pdf[start:start + 8].decode("ascii"))
    assert header[:2] == b"\x30\x82"  # the CMS SignedData, a DER SEQUENCE with a two-byte length
    last = start + 2 * (4 + int.from_bytes(header[2:4], "big")) - 1  # last hex digit of the DER: the ECDSA signature value
    tampered[last] = ord("0") if tampered[last] != ord("0") else ord("1")
    check = pades.verify(bytes(tampered), [authority.certificate]).signatures[0]
    assert not check.good and check.integrity == pades.Integrity.ALTERED


def test_an_incremental_update_after_signing_that_changes_the_page_shows_altered(signed_pdf, authority):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    check = pades.verify(out.getvalue(), [authority.certificate]).signatures[0]
    # The signed bytes are intact, but what a reader shows is not what was signed.
    assert check.cryptographically_valid and check.integrity == pades.Integrity.ALTERED and not check.good


def test_a_second_signature_keeps_the_first_valid(signed_pdf, unit_material, authority):
    twice = signed(signed_pdf, unit_material, authority)
    first, second = pades.verify(twice, [authority.certificate]).signatures
    assert first.field_name != second.field_name
    assert first.integrity == pades.Integrity.FILLED and first.good
    assert second.integrity == pades.Integrity.UNCHANGED and second.good


def test_a_certificate_from_another_ca_is_intact_but_not_trusted(plain_pdf, authority):
    stranger_ca = pki.make_authority("CA lạ", now=dt.datetime.now(dt.UTC))
    stranger = pki.issue(stranger_ca, unit_name="Đơn vị giả mạo", unit_code="X", province="", now=dt.datetime.now(dt.UTC))
    check = pades.verify(signed(plain_pdf, stranger, stranger_ca), [authority.certificate]).signatures[0]
    assert check.cryptographically_valid and check.integrity == pades.Integrity.UNCHANGED
    assert not check.trusted and not check.good and check.trust_problem


def test_a_self_made_certificate_copying_our_unit_name_is_not_trusted(plain_pdf, authority):
    # An attacker makes their own CA with our CA's name and issues "our" unit a certificate.
    forged_ca = pki.make_authority("CA thử nghiệm", now=dt.datetime.now(dt.UTC))
    forged = pki.issue(forged_ca, unit_name="Trung tâm Phục vụ hành chính công phường Hoàn Kiếm", unit_code="T-TT",
                       province="Thành phố Thử Nghiệm", now=dt.datetime.now(dt.UTC))
    check = pades.verify(signed(plain_pdf, forged, forged_ca), [authority.certificate]).signatures[0]
    assert not check.trusted and not check.good


def test_an_unsigned_pdf_has_no_signatures(plain_pdf, authority):
    result = pades.verify(plain_pdf, [authority.certificate])
    assert not result.signed and result.signatures == ()


@pytest.mark.parametrize("data", [b"", b"garbage", b"%PDF-1.7\nnot really", b"MZ\x90\x00" + b"\x00" * 100])
def test_garbage_is_unreadable(data, authority):
    with pytest.raises(pades.UnreadablePdf):
        pades.verify(data, [authority.certificate])


def test_a_truncated_signed_pdf_is_unreadable(signed_pdf, authority):
    with pytest.raises(pades.UnreadablePdf):
        pades.verify(signed_pdf[: len(signed_pdf) // 2], [authority.certificate])


def test_a_file_with_too_many_revisions_is_refused_before_any_diff(plain_pdf, authority):
    data = plain_pdf
    for _ in range(pades.MAX_REVISIONS + 1):
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        writer.root["/Congvu"] = generic.NumberObject(1)
        writer.update_root()
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    with pytest.raises(pades.UnreadablePdf, match="revisions"):
        pades.verify(data, [authority.certificate])


def test_a_visible_signature_sits_in_the_bottom_margin_of_the_last_page(plain_pdf, unit_material, authority):
    from weasyprint import HTML

    stamp = HTML(string="<style>@page { size: 220pt 34pt; margin: 0 }</style><p>Ký số</p>").write_pdf()
    pdf = signed(plain_pdf, unit_material, authority, stamp_pdf=stamp)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(PdfReader(io.BytesIO(plain_pdf)).pages)  # the stamp adds no page
    last = reader.pages[-1]
    widgets = [a.get_object() for a in last.get("/Annots", []) if a.get_object().get("/FT") == "/Sig"]
    assert len(widgets) == 1 and not reader.pages[0].get("/Annots")
    x1, y1, x2, y2 = (float(v) for v in widgets[0]["/Rect"])
    assert (x2 - x1, y2 - y1) == (pades.STAMP_WIDTH, pades.STAMP_HEIGHT)
    assert y2 < 20 / 25.4 * 72  # inside the 20 mm bottom margin
    assert "/AP" in widgets[0]
    assert pades.verify(pdf, [authority.certificate]).signatures[0].good


def test_signing_and_checking_work_inside_a_running_event_loop(plain_pdf, unit_material, authority):
    # pyHanko's synchronous API calls asyncio.run(); from an async view or task it would raise, and every
    # document would go out unsigned. Found by the browser test, whose Playwright loop runs in the test thread.
    import asyncio

    async def inside():
        pdf = signed(plain_pdf, unit_material, authority)
        return pades.verify(pdf, [authority.certificate])

    assert asyncio.run(inside()).signatures[0].good
