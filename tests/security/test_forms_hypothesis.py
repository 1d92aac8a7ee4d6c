"""Hypothesis on the forms and imports people fill: the counter's intake, online filing, feedback, the catalogue
import formats and the PAR framework file. Whatever is typed (control characters, NUL, right-to-left overrides,
markup, very long text, wrong types) the answer is never a 500: a form either accepts or answers 400 with its
error summary and writes nothing; an import raises its own error with messages, never anything else."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congvu.dossiers.models import Applicant, Dossier
from congvu.feedback.models import Feedback
from tests.portal.conftest import catalogue, file_url, filing_data, place, staff, version  # noqa: F401 (fixtures)

FORM_EXAMPLES = 15
# Text a person (or a script) can send in a form field: any character a browser can encode (no lone surrogates).
hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
    st.sampled_from(["", " ", "\x00", "\u202e", "<script>alert(1)</script>", "'; DROP TABLE dossiers_dossier; --", "9" * 400,
                     "0" * 12, "=1+1", "０１２３４５６７８９０１", "a" * 6000, "\r\n", "null", "-1", "1e9999"]),
)


def _fields(names):
    return st.fixed_dictionaries({}, optional={name: hostile_text for name in names})


def _written():
    return Dossier.objects.count(), Applicant.objects.count(), Feedback.objects.count()


def _answered_well(response, before):
    assert response.status_code < 500
    if response.status_code == 400:
        assert _written() == before, "a refused form wrote something"
        assert b"error-summary" in response.content or b"is-invalid" in response.content or b"alert" in response.content


PORTAL_FIELDS = ["unit", "kind", "full_name", "personal_id", "phone", "email", "address", "summary", "declaration"]


@pytest.mark.django_db
@settings(max_examples=FORM_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(changes=_fields(PORTAL_FIELDS))
def test_online_filing_never_fails_on_typed_input(client, version, place, changes):
    before = _written()
    response = client.post(file_url(version), {**filing_data(version, place), **changes})
    _answered_well(response, before)


FEEDBACK_FIELDS = ["nature", "subject_kind", "unit", "procedure", "procedure_choice", "officer", "officer_name", "dossier_code", "title",
                   "content", "sender_name", "sender_phone", "sender_email", "website"]


@pytest.mark.django_db
@settings(max_examples=FORM_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(changes=_fields(FEEDBACK_FIELDS))
def test_feedback_never_fails_on_typed_input(client, place, changes):
    base = {"nature": "report", "subject_kind": "unit", "unit": str(place.centre.pk), "title": "Chờ lâu", "content": "Phải chờ hai giờ."}
    before = _written()
    response = client.post("/phan-anh/", {**base, **changes}, REMOTE_ADDR="127.0.0.9")
    _answered_well(response, before)


INTAKE_FIELDS = ["outcome", "kind", "full_name", "personal_id", "phone", "email", "address", "residence", "organisation_name", "tax_code",
                 "channel", "summary", "copies", "reused", "note", "reasons"]


@pytest.mark.django_db
@settings(max_examples=FORM_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(changes=_fields(INTAKE_FIELDS))
def test_counter_intake_never_fails_on_typed_input(client, staff, version, changes):
    client.force_login(staff.officer)
    base = {"procedure": version.procedure.code, "outcome": "receive", "kind": "citizen", "full_name": "Nguyễn Văn An",
            "personal_id": "001090012345", "phone": "0912345678", "channel": "counter", "copies": "1"}
    before = _written()
    response = client.post("/staff/dossiers/tiep-nhan/", {**base, **changes})
    assert response.status_code < 500
    if response.status_code in (400, 403):
        assert _written() == before


# ------------------------------------------------------------------------------------------------ imports

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4), max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(document=st.one_of(json_values, st.fixed_dictionaries({"format": st.just("congvu-catalog"), "format_version": st.just(1),
                                                               "procedures": st.lists(json_values, max_size=3)})))
def test_catalogue_json_import_refuses_anything_malformed_with_problems(document):
    import json

    from congvu.catalog import exchange_format
    from congvu.catalog.problems import CatalogFormatError

    try:
        exchange_format.loads_json(json.dumps(document).encode())
    except CatalogFormatError as error:
        assert error.args or getattr(error, "problems", None)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(hostile_text, max_size=6), max_size=4), header=st.booleans())
def test_catalogue_csv_import_refuses_anything_malformed_with_problems(rows, header):
    import csv
    import io

    from congvu.catalog import exchange_format
    from congvu.catalog.problems import CatalogFormatError

    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(exchange_format.CSV_COLUMNS)
    writer.writerows(rows)
    try:
        exchange_format.loads_csv(out.getvalue().encode("utf-8", "surrogatepass"))
    except CatalogFormatError:
        pass


@settings(max_examples=60, deadline=None)
@given(content=st.one_of(st.binary(max_size=300), json_values.map(lambda v: __import__("json").dumps(v).encode())),
       name=st.sampled_from(["bo-chi-so.json", "bo-chi-so.xlsx", "x"]))
def test_par_framework_file_refuses_anything_malformed_with_messages(content, name):
    from congvu.reform.framework import FrameworkError, load_framework
    from congvu.reform.imports import read_framework_file

    try:
        data = read_framework_file(content, name)
        load_framework(data)
    except FrameworkError as error:
        assert error.messages
