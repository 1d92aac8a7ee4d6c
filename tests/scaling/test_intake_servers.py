"""Dossier codes under concurrent intake from two app servers (`congvu serve`, granian, on two ports) against one
PostgreSQL database: a few hundred dossiers posted to /api/v1/dossiers with an API token, half to each server, many
at once. Every code is unique, and the sequence the code format promises (`<identifier>-<YYMMDD>-<NNNN>`, restarting
each day for each identifier) has no gap: the counter row is locked in the transaction that uses its number, so a
number is used exactly when its transaction commits. The race for the day's first number (no counter row yet) is
part of it: the first requests all start together."""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from congvu.dossiers.codes import parse_code
from congvu.dossiers.models import Counter, Dossier
from congvu.units.models import ApiToken
from tests.dossiers.conftest import CITIZEN, catalogue, place, staff, submit_ids  # noqa: F401 - fixtures reused
from tests.scaling.conftest import free_port, postgresql_only, wait_until_listening

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]

DOSSIERS = 200
CLIENTS = 8  # requests in flight at once, spread over both servers


def _post(port: int, token: str, body: dict) -> tuple[int, dict, float, float]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/dossiers", data=json.dumps(body, ensure_ascii=False).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    return status, json.loads(raw or b"{}"), started, time.monotonic()


def test_codes_stay_unique_and_gapless_under_intake_from_two_servers(processes, place, staff, catalogue):  # noqa: F811
    _row, token = ApiToken.issue("Cổng dịch vụ công tỉnh", place.centre, staff.officer)
    ports = [free_port(), free_port()]
    servers = [processes.start(f"server-{port}", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1") for port in ports]
    for server, port in zip(servers, ports):
        wait_until_listening(server, port)

    documents = submit_ids(catalogue.five)
    start = threading.Barrier(CLIENTS)

    def intake(n: int):
        if n < CLIENTS:
            start.wait(30)  # the first numbers of the day are raced for by every client at once
        applicant = {**CITIZEN, "full_name": f"Nguyễn Văn {n}", "personal_id": f"0010900{n:05d}"}
        body = {"procedure": "1.004884", "unit": place.centre.code, "applicant": applicant, "checked_document_ids": documents}
        return (ports[n % 2], *_post(ports[n % 2], token, body))

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(intake, range(DOSSIERS)))

    failures = [(port, status, body) for port, status, body, *_ in results if status != 201]
    assert not failures, failures[:5]
    codes = [body["code"] for _port, _status, body, *_ in results]
    assert len(set(codes)) == DOSSIERS, "a code was given twice"

    # Both servers took intakes, and at some moment each had one in flight while the other did too.
    spans = defaultdict(list)
    for port, _status, _body, started, ended in results:
        spans[port].append((started, ended))
    assert all(len(spans[p]) == DOSSIERS // 2 for p in ports)
    assert any(a0 < b1 and b0 < a1 for a0, a1 in spans[ports[0]] for b0, b1 in spans[ports[1]]), "the servers never overlapped"

    # Gapless per identifier and day (a run across midnight starts a new day at 1): 1..n, as the counter says.
    by_day = defaultdict(list)
    for code in codes:
        parsed = parse_code(code)
        assert parsed is not None and parsed.identifier == place.centre.identifier, code
        by_day[(parsed.identifier, parsed.day)].append(int(parsed.sequence))
    for (identifier, day), sequences in by_day.items():
        assert sorted(sequences) == list(range(1, len(sequences) + 1)), f"gap or repeat in {identifier} {day}"
        assert Counter.objects.get(key=f"dossier:{identifier}:{day:%Y%m%d}").value == len(sequences)
    assert sorted(Dossier.objects.values_list("code", flat=True)) == sorted(codes)

    for server in servers:
        processes.stop(server)
        assert not server.alive()
