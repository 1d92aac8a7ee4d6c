"""The issue-7 benchmark scripts (bench/) import, and their in-database parts work on a tiny generated province:
the lookup sample and its bare ceiling view beside the real page, the list pages' accounts and worklist steps,
the month-end recomputation, the peak-RSS reader and the summary table. The timed HTTP runs are what
bench/run.sh does; here only their building blocks, so the test takes seconds."""

import datetime as dt
import json
import os
import sys
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import _common  # noqa: E402
import dashboard  # noqa: E402
import generate  # noqa: E402
import lists  # noqa: E402
import lookup  # noqa: E402
import recompute  # noqa: E402
import rss  # noqa: E402

NOW = dt.datetime(2026, 3, 16, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def province(db):
    place = generate.setup_place(departments=2, communes=3)
    # In the test's transaction the secondary indexes stay (dropping them waits on pending FK trigger events).
    generate.generate(place, 60, batch=30, seed=3, now=NOW, fast=False, defer_indexes=False)
    return place


def test_percentiles_and_the_summary_table(tmp_path, monkeypatch, capsys):
    assert _common.percentile([5, 1, 4, 2, 3], 50) == 3
    assert _common.percentile(list(range(1, 101)), 95) == 95
    assert _common.percentile(list(range(1, 101)), 99) == 99
    assert _common.percentile([7], 99) == 7
    assert dashboard._p95([0.3, 0.1, 0.2]) == 0.3
    figures = _common.summary_ms([0.010, 0.020, 0.030])
    assert figures["p50"] == pytest.approx(20) and figures["max"] == pytest.approx(30) and figures["n"] == 3

    results = tmp_path / "results.jsonl"
    monkeypatch.setenv("CONGVU_BENCH_RESULTS", str(results))
    _common.record("lookup", "sqlite", "lookup ÷ bare", 0.82, "×", "≥ 0.7", True)
    _common.record("lists", "postgres", "worklist p95", 140.0, "ms", "< 100 ms", False)
    _common.print_summary(str(results))
    table = capsys.readouterr().out
    assert "lookup ÷ bare" in table and "0.82" in table and " met" in table
    assert "worklist p95" in table and "NOT met" in table


def test_options_name_the_databases(monkeypatch):
    monkeypatch.setenv("CONGVU_BENCH_PG_DB", "congvu_somewhere")
    parser = _common.argparse.ArgumentParser()
    _common.add_arguments(parser)
    args = parser.parse_args(["--database", "postgres", "--reuse", "--sqlite-path", "/tmp/x.sqlite3"])
    assert args.pg_db == "congvu_somewhere" and args.reuse and _common.backends(args) == ["postgres"]
    assert _common.database_url("postgres", args, Path("/tmp")).endswith("/congvu_somewhere")
    assert _common.database_url("sqlite", args, Path("/nowhere")) == "sqlite:////tmp/x.sqlite3"
    fresh = parser.parse_args(["--database", "sqlite"])
    assert _common.database_url("sqlite", fresh, Path("/tmp/run")) == "sqlite:////tmp/run/bench.sqlite3"


def test_lookup_lists_and_recomputation_on_a_tiny_province(province, client, settings):
    # One generated province for the three parts (generation dominates the test's time).
    sample = lookup._sample(20, seed=1)
    assert sample["links"] and sample["dossiers"] == 60
    link = sample["links"][0]
    with _urlconf(settings, "lookup"):
        bare = client.get(f"/bench/raw-lookup/{quote(link['code'], safe='')}/")
        assert bare.status_code == 200 and bare.json()["code"] == link["code"]
        assert client.get("/bench/raw-lookup/NO-SUCH-CODE/").status_code == 404
        page = client.get(f"/tra-cuu/{quote(link['code'], safe='')}/?t={quote(link['token'], safe=':')}")
        assert page.status_code == 200 and link["code"] in page.content.decode()

    from congvu.dossiers.models import DossierStep

    info = lists._prepare(add_steps=True)
    # The generator may write steps itself; the benchmark adds some only to a database without any.
    assert info["steps"] > 0 and info["added_steps"] in (0, info["steps"])
    assert DossierStep.objects.filter(unit__code=info["unit"], status="active").count() == info["steps"]
    for who, path in lists.pages(info).values():
        client.cookies[info["cookie_name"]] = info["cookies"][who]
        response = client.get(path)
        assert response.status_code == 200, path
    again = lists._prepare(add_steps=True)  # the accounts exist now and no step is added twice
    assert again["added_steps"] == 0 and again["steps"] == info["steps"]

    result = recompute._child(max_units=4)
    assert result["dossiers"] == 60 == result["total_dossiers"]
    assert result["units"] == 4
    assert result["peak_rss_kb"] > 0


def test_lists_add_worklist_steps_when_there_are_none(province):
    from congvu.dossiers.models import DossierStep

    DossierStep.objects.all().delete()
    info = lists._prepare(add_steps=True)
    assert info["added_steps"] == info["steps"] > 0


class _urlconf:
    def __init__(self, settings, name):
        self.settings, self.name = settings, name

    def __enter__(self):
        from django.urls import clear_url_caches

        self.old = self.settings.ROOT_URLCONF
        self.settings.ROOT_URLCONF = self.name
        clear_url_caches()

    def __exit__(self, *exc):
        from django.urls import clear_url_caches

        self.settings.ROOT_URLCONF = self.old
        clear_url_caches()


def test_peak_rss_of_this_process_tree():
    rows = rss.tree_peaks(os.getpid())
    assert rows and rows[0]["pid"] == os.getpid() or any(r["pid"] == os.getpid() for r in rows)
    assert all(r["peak_kb"] > 0 for r in rows)
    assert rss.peak_kb(2**22 + 12345) == 0  # no such process


def test_generated_results_are_json_lines(tmp_path, monkeypatch):
    results = tmp_path / "r.jsonl"
    monkeypatch.setenv("CONGVU_BENCH_RESULTS", str(results))
    dashboard._record("postgresql", "dashboard page p95, last month", 120.0, "< 300 ms", True)
    row = json.loads(results.read_text())
    assert row["database"] == "postgres" and row["met"] is True
