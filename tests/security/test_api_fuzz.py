"""schemathesis against the API's own OpenAPI document (`congvu.api.main.api`), in process through the WSGI app.

Every operation gets valid and invalid input (positive and negative generation) from an authenticated caller: a
bearer token of a one-stop officer and that officer's session (the units API takes the session). No answer may
be a 5xx, and every answer must match what the document declares (status code, content type, headers, body
schema; invalid input refused). The stateful run follows the document's links (a dossier created, then read,
acted on, its events listed). The number of examples is bounded so that the whole module stays within CI's
budget; CONGVU_FUZZ_EXAMPLES raises it for a longer run by hand.
"""

import os
import secrets

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from congvu.wsgi import application

# Input the schema allows can still be refused by the domain (a procedure code that is not in force, a unit
# outside the caller's scope): those answers are the documented 422 with fields, not a fault of the schema.
DOMAIN_CHECKED = [schemathesis.checks.positive_data_acceptance]
EXAMPLES = int(os.environ.get("CONGVU_FUZZ_EXAMPLES", "10"))


@pytest.fixture(scope="module", autouse=True)
def _connections_stay_open():
    """What Django's own test client does: the WSGI handler's close_old_connections must not run between the
    in-process calls. On PostgreSQL it closed the test database's connection under the next request (every
    operation answered 500 "the connection is closed"); SQLite's in-memory test database never closes."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """A province, its staff and the starter catalogue, built once for the module (the fuzzed calls add dossiers)."""
    from tests.dossiers.conftest import catalogue, place, staff, submit_ids

    with django_db_blocker.unblock():
        world_place = place.__wrapped__(None)
        world_staff = staff.__wrapped__(world_place)
        documents = submit_ids(catalogue.__wrapped__(None).five)
        token = _token(world_place.centre, world_staff.officer)
        from django.test import Client

        client = Client()
        client.force_login(world_staff.officer)
        session = client.cookies["sessionid"].value
        yield {"token": token, "session": session, "unit": world_place.centre.code, "documents": documents}
        _empty_database()


def _token(unit, user) -> str:
    from congvu.units.models import ApiToken

    if hasattr(ApiToken, "issue"):
        return ApiToken.issue("fuzz", unit, user)[1]
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(name="fuzz", unit=unit, acts_as=user, token_hash=ApiToken.hash(raw))
    return raw


def _empty_database():
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)


def _schema():
    # The caller's credentials are given (a token and a session): leaving them out on purpose is the authorisation
    # matrix's job (tests/security/test_authorisation_matrix.py), not a malformed request.
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module")
def api_schema(fuzz_world):
    loaded = _schema()

    @loaded.auth(refresh_interval=None)
    class Credentials:
        """Given to schemathesis as the schema's authentication, so its checks know the credentials are real and
        probe the operation without them and with wrong ones (expecting 401/403)."""

        def get(self, case, ctx):
            return credentials(case, fuzz_world)

        def set(self, case, data, ctx):
            case.headers = {**(case.headers or {}), **data.get("headers", {})}
            case.cookies = {**(case.cookies or {}), **data.get("cookies", {})}

    return loaded


def credentials(case, world) -> dict:
    """The token where the operation takes one, else the session (the units API is for signed-in staff only): one
    credential per call, so that schemathesis' check that a wrong one is refused is not answered by the other."""
    schemes = {name for requirement in case.operation.definition.raw.get("security") or [] for name in requirement}
    if "TokenAuth" in schemes:
        return {"headers": {"Authorization": f"Bearer {world['token']}"}}
    if "SessionAuth" in schemes:
        return {"cookies": {"sessionid": world["session"]}}
    return {}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, fuzz_world):
    case.call_and_validate(excluded_checks=DOMAIN_CHECKED)


@pytest.mark.django_db
def test_stateful_workflows_follow_the_documented_links(fuzz_world, api_schema):
    """Sequences of calls along the document's links: a dossier received, then read, its events listed and acted on
    with whatever the fuzzer chooses. Valid receptions name the world's real procedure and unit (random codes are
    the stateless test's part), so that the later steps reach existing dossiers and not only 404s."""
    from congvu.dossiers.models import Dossier
    from tests.dossiers.conftest import CITIZEN

    before = Dossier.objects.count()

    class Workflow(api_schema.as_state_machine()):
        def before_call(self, case):
            positive = case.meta is None or case.meta.generation.mode.is_positive
            if case.operation.label == "POST /api/v1/dossiers" and positive and isinstance(case.body, dict):
                # The summary and the number of copies stay the fuzzer's; who files what, where, is made real.
                case.body.update(procedure="1.004884", unit=fuzz_world["unit"], channel="counter", handling_unit=None,
                                 applicant=dict(CITIZEN), checked_document_ids=fuzz_world["documents"], not_applicable_document_ids=[], reused_document_ids=[])

        def after_call(self, response, case):
            if os.environ.get("CONGVU_FUZZ_DEBUG"):
                print(case.operation.label, response.status_code, response.text[:300])

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, additional_checks=additional_checks, excluded_checks=DOMAIN_CHECKED, transport_kwargs=kwargs)

    Workflow.run(settings=settings(max_examples=EXAMPLES, stateful_step_count=6, deadline=None,
                                   suppress_health_check=list(HealthCheck)))
    assert Dossier.objects.count() > before, "no workflow received a dossier: the later steps only met 404s"
