"""The demo: its dossiers are queued for the portal as they are made, and sync to the demo adapter without a
single invalid payload; `congvu demo` starts that adapter as a child process (or uses the one configured)."""

import io
import json
import os
import urllib.request

import pytest

from congvu import cli
from congvu.dossiers.models import Dossier
from congvu.sync.models import ChangeKind, PortalChange, PortalSync, SyncState
from tests.sync.sync_fixtures import catalogue, drain, local, place, portal, receive, staff  # noqa: F401 - fixtures


@pytest.mark.django_db
def test_demo_dossiers_sync_to_the_demo_adapter(base_demo_only, portal):
    from congvu.core.demo import load_demo

    out = io.StringIO()
    load_demo(stdout=out)
    assert "Đồng bộ Cổng DVCQG:" in out.getvalue()
    total = Dossier.objects.count()
    assert total and PortalSync.objects.count() == total  # every demo dossier queued through the hook
    drain()
    assert portal.problems == []
    assert PortalSync.objects.filter(state=SyncState.ACKNOWLEDGED).count() == total
    for d in Dossier.objects.all():
        assert len(portal.history[d.code]) == d.event_count


@pytest.mark.django_db
def test_demo_part_queues_dossiers_that_have_no_sync_row(receive, settings):
    from congvu.sync import demo

    d = receive()
    PortalChange.objects.all().delete()
    PortalSync.objects.all().delete()
    settings.PORTAL_ADAPTER = {"adapter_url": ""}
    out = io.StringIO()
    demo.load(out)
    assert PortalSync.objects.get(dossier=d).state == SyncState.PENDING
    assert PortalChange.objects.get(dossier=d).kind == ChangeKind.RESYNC
    assert "1 hồ sơ chờ đồng bộ (chưa cấu hình đồng bộ" in out.getvalue()
    demo.load(out)
    assert PortalChange.objects.count() == 1  # idempotent


@pytest.fixture
def clean_portal_env(monkeypatch):
    for name in ("CONGVU_PORTAL_ADAPTER_URL", *cli.DEMO_PORTAL):
        monkeypatch.delenv(name, raising=False)
    yield
    for name in ("CONGVU_PORTAL_ADAPTER_URL", *cli.DEMO_PORTAL):
        os.environ.pop(name, None)


def test_congvu_demo_starts_a_demo_adapter_and_points_the_environment_at_it(clean_portal_env):
    proc = cli._demo_portal_adapter()
    try:
        assert proc is not None and proc.poll() is None
        url = os.environ["CONGVU_PORTAL_ADAPTER_URL"]
        assert url.startswith("http://127.0.0.1:")
        body = json.dumps({"username": os.environ["CONGVU_PORTAL_USERNAME"], "password": os.environ["CONGVU_PORTAL_PASSWORD"]}).encode()
        request = urllib.request.Request(url + "/auth", data=body, method="POST", headers={
            "Content-Type": "application/json", "dstcode": os.environ["CONGVU_PORTAL_DSTCODE"],
        })
        with urllib.request.urlopen(request, timeout=5) as response:
            answer = json.loads(response.read())
        assert str(answer["error_code"]) == "0" and answer["session"]
        assert "bộ điều hợp demo" in cli._portal_line(proc)
    finally:
        cli._stop([proc] if proc else [])


def test_congvu_demo_uses_the_configured_adapter(clean_portal_env, monkeypatch):
    monkeypatch.setenv("CONGVU_PORTAL_ADAPTER_URL", "http://gw.example.vn")
    assert cli._demo_portal_adapter() is None
    assert os.environ["CONGVU_PORTAL_ADAPTER_URL"] == "http://gw.example.vn"
    assert cli._portal_line(None) == "bộ điều hợp http://gw.example.vn"
