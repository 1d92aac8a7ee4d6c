"""A varied month through the real services (online filing with an uploaded scan, a rejected online filing, a fee paid
online, an electronic result kept in the citizen's store and reused by a later dossier, a dislike rating), then
every figure and drill-down list of the selectors, and rebuild == incremental."""

import pytest

from congvu.dossiers import services as ds
from congvu.indices import selectors, services
from congvu.indices.measures import Measure
from congvu.indices.models import DossierFact
from congvu.indices.periods import Period
from tests.dossiers.conftest import CITIZEN, catalogue, local, place, receive, staff  # noqa: F401
from tests.indices.test_rollups import boss, facts, snapshot, started  # noqa: F401

MARCH = Period.month(2026, 3)
ONLINE_APPLICANT = {**CITIZEN, "email": "an@example.vn"}


def stored_file(name):
    from congvu.documents.models import StoredFile

    return StoredFile.objects.create(sha256=name.ljust(64, "0")[:64], size=10, content_type="application/pdf", original_name=f"{name}.pdf",
                                     storage_name=f"x/{name}")


@pytest.fixture
def month(receive, place, staff, catalogue, boss):
    from congvu.documents.models import CitizenDocument
    from congvu.feedback import services as fb
    from congvu.feedback.scoring import Factor, Perception

    version = catalogue.five
    first_doc = version.documents.filter(group="submit").first()
    # D1: filed online with a scan, accepted, a fee paid online, an electronic result with its file, returned, rated badly.
    d1 = ds.submit_online(place.centre, version, ONLINE_APPLICANT, at=local(2026, 3, 2, 8), uploads=[(first_doc, stored_file("scan"))])
    d1 = ds.accept_online(d1, staff.officer, at=local(2026, 3, 2, 9))
    d1 = ds.start_processing(d1, None, at=local(2026, 3, 2, 10))
    d1 = ds.request_payment(d1, None, 20000, "Lệ phí", at=local(2026, 3, 3, 9))
    d1 = ds.confirm_payment(d1, None, "BL-1", paid_online=True, at=local(2026, 3, 3, 10))
    d1 = ds.record_result(d1, None, [{"name": "Giấy khai sinh", "electronic": True, "file": stored_file("kq")}], at=local(2026, 3, 4, 9))
    d1 = ds.return_result(d1, None, "electronic", at=local(2026, 3, 4, 10))
    fb.submit_rating(d1, {f: 1 for f in Factor}, {Perception.TRIPS: 2, Perception.EXTRA_MONEY: 0, Perception.APPOINTMENT: 1},
                     at=local(2026, 3, 5, 9))
    # D2: filed online and not accepted.
    d2 = ds.submit_online(place.centre, version, ONLINE_APPLICANT, at=local(2026, 3, 9, 8))
    ds.reject_online(d2, staff.officer, "Sai thủ tục", at=local(2026, 3, 9, 9))
    # D3: at the counter, reusing D1's result from the citizen's store; still open within time at the end of March.
    kept = CitizenDocument.objects.get(personal_id=CITIZEN["personal_id"])
    d3 = receive(at=local(2026, 3, 26, 9), reused_document_ids=[kept.pk])
    services.refresh()
    return d1, d2, d3


def test_figures_of_a_varied_month(month, place):
    d1, d2, d3 = month
    s = selectors.summary(place.a, MARCH)
    assert (s.received, s.received_online, s.received_counter_post, s.not_accepted, s.finished, s.in_process) == (2, 1, 1, 1, 1, 1)
    assert s.online == Measure(1, 2) and s.on_time == Measure(2, 2)
    assert s.ratings == 1
    m = {row.code: row.measure for row in selectors.index_766(place.a, MARCH).indicators}
    fee = DossierFact.objects.get(pk=d3.pk).fee_bearing  # D3's procedure has a fee if the catalogue lists one
    assert m["3.6"] == Measure(1, 1 + int(fee))
    assert m["4.1"] == Measure(1, 1) and m["4.2"] == Measure(1, 1)  # a scan submitted and a result file
    assert m["4.3"] == Measure(1, 2)  # D3 reused a document
    assert m["4.4"] == Measure(2, 2)  # D1's result went to the store, D3 reused one
    assert m["5.4"] == Measure(0, 1)  # D1 was disliked


@pytest.mark.parametrize("metric", ["766.3.6", "766.4.1", "766.4.2", "766.4.3", "766.4.4", "766.5.4", "online_share", "on_time_rate", "2.1", "3.3"])
def test_drill_down_equals_the_measure(month, place, metric):
    code = f"766.{metric}" if metric[0].isdigit() and not metric.startswith("766.") else metric
    measure = selectors._metric_with_measure(code, place.a, MARCH)[1]
    for part in ("numerator", "denominator"):
        behind = selectors.records_behind(place.a, MARCH, metric, part)
        assert behind.kind == "dossiers" and behind.title
        assert behind.queryset.count() == getattr(measure, part), part


def test_satisfaction_and_feedback_drill_down_delegates(month, place):
    behind = selectors.records_behind(place.a, MARCH, "satisfaction", "denominator")
    assert behind.kind == "ratings" and behind.queryset.count() == 1
    behind = selectors.records_behind(place.a, MARCH, "766.5.2", "denominator")
    assert behind.kind == "feedback" and behind.queryset.count() == 0
    assert selectors.records_behind(place.a, MARCH, "5.3", "numerator").kind == "feedback"
    days = selectors.records_behind(place.a, MARCH, "2.2", "denominator").queryset
    assert days.count() == 1  # D1, the one dossier with a result
    for no_list in ("766.4.5a", "3.1", "1.1"):
        with pytest.raises(KeyError):
            selectors.records_behind(place.a, MARCH, no_list)


def test_ranking_by_kind_and_report_rows(month, place):
    rows = selectors.ranking(place.province, MARCH, "received", kind="commune")
    assert [(r.unit.code, r.rank, r.value) for r in rows] == [(place.a.code, 1, 2), (place.b.code, 2, 0)]
    rows = selectors.report_rows(place.province, MARCH, by="unit")
    a = next(r for r in rows if r.key == place.a.code)
    assert (a.received, a.received_online, a.received_counter_post, a.finished_early, a.open_within) == (2, 1, 1, 1, 1)
    assert selectors.report_rows(place.province, MARCH, by="field")[0].received == 2
    with pytest.raises(ValueError):
        selectors.report_rows(place.a, MARCH, by="officer")


def test_trend_over_months_and_future_periods_are_empty(month, place):
    assert [v for _p, v in selectors.trend(place.a, [MARCH, MARCH.next()], "received")] == [2, 0]
    far = selectors.summary(place.a, Period.year(2099))
    assert (far.received, far.carried_over, far.in_process) == (0, 0, 0)


def test_rebuild_equals_incremental_after_a_varied_month(month, place, boss):
    _d1, _d2, d3 = month
    ds.withdraw(d3, boss, "Không cần nữa", at=local(2026, 4, 1, 9))
    services.refresh()
    services.refresh()
    before = snapshot(), facts()
    assert services.check() == []
    services.rebuild()
    assert (snapshot(), facts()) == before
