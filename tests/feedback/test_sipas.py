"""The SIPAS-style index from the portal's ratings: per factor and overall, with the number of answers, a 95%
Wilson interval and the not-significant flag; the monthly rollups (equal to counting the raw ratings, for whole
months, ranges cutting months and ratings newer than the last refresh); the drill-down; the staff page, its
export and the official results import."""

import io
import math
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from congvu.feedback import selectors, services
from congvu.feedback.errors import FeedbackError
from congvu.feedback.models import OfficialSurveyResult, RatingMonth, RatingRollup, RatingRollupCheckpoint, SipasSettings
from congvu.feedback.scoring import Factor, Perception, check_factor_questions
from congvu.feedback.sipas import Tally, factor_estimate, sipas_index, whole_and_partial_months
from congvu.indices.periods import Period
from congvu.units import services as units
from congvu.units.models import Role
from tests.feedback.conftest import PASSWORD, local, to_result_ready

pytestmark = pytest.mark.django_db

PERCEPTIONS = {Perception.TRIPS: 0, Perception.EXTRA_MONEY: 0, Perception.APPOINTMENT: 2}


def wilson_by_hand(k, n, z=1.96):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture
def rate(receive, staff):
    """rate(access=…, procedure=…, officer=…, result=…, at=…): one dossier received, processed and rated."""
    def go(access, procedure=5, officer=5, result=5, feedback=None, at=None):
        dossier = to_result_ready(receive(at=local(2026, 3, 2, 9)), staff)
        scores = {Factor.ACCESS: access, Factor.PROCEDURE: procedure, Factor.OFFICER: officer, Factor.RESULT: result, Factor.FEEDBACK: feedback}
        return services.submit_rating(dossier, scores, dict(PERCEPTIONS), at=at or local(2026, 3, 10, 10))

    return go


def test_seven_of_nine_satisfied_is_77_78_percent_with_wilson_interval_and_not_significant(rate, place):
    # access: 5 5 4 4 4 5 4 are satisfied (≥ 4), 3 and 2 are not → 7 of 9.
    for access in (5, 5, 4, 4, 4, 5, 4, 3, 2):
        rate(access, procedure=4, officer=3 if access == 2 else 5)
    result = sipas_index(place.a, Period.month(2026, 3))
    access = result.factors[0]
    assert access.code == "access" and access.answers == 9 and access.satisfied == 7
    assert access.percent == Decimal("77.78")
    low, high = wilson_by_hand(7, 9)
    assert abs(float(access.low) - low) < 1e-9 and abs(float(access.high) - high) < 1e-9
    assert access.low_percent == Decimal("45.26") and access.high_percent == Decimal("93.68")  # 0.45258…, 0.93678…
    assert access.significant is False  # 9 < 30, the default minimum sample
    by_code = {f.code: f for f in result.factors}
    assert by_code["procedure"].percent == Decimal("100.00") and by_code["officer"].satisfied == 8
    assert by_code["feedback"].answers == 0 and by_code["feedback"].value is None and by_code["feedback"].low is None
    # Overall (default): mean of the four factors that have answers: (7/9 + 1 + 8/9 + 1) / 4 = 33/36.
    assert result.overall.answers == 9 and result.ratings == 9 and result.dislikes == 1
    assert abs(float(result.overall.value) - 33 / 36) < 1e-12
    assert result.overall.significant is False
    assert result.factors == sipas_index(place.a, Period.month(2026, 3), use_rollups=False).factors


def test_the_minimum_sample_and_the_overall_rule_are_configuration(rate, place):
    for access in (5, 2, 4):
        rate(access)
    SipasSettings.objects.create(effective_from=Period.month(2026, 1).start, name="Thử", min_sample=3, overall="pooled")
    result = sipas_index(place.a, Period.month(2026, 3))
    assert result.factors[0].significant and result.factors[0].satisfied == 2
    # Pooled: 2 + 3 + 3 + 3 satisfied of 12 answers.
    assert result.overall.answers == 12 and result.overall.satisfied == 11 and result.overall.significant
    low, high = wilson_by_hand(11, 12)
    assert abs(float(result.overall.low) - low) < 1e-9 and abs(float(result.overall.high) - high) < 1e-9


def test_questions_are_mapped_to_factors_by_configuration(rate, place):
    rate(2, officer=5)
    SipasSettings.objects.create(
        effective_from=Period.month(2026, 1).start, name="Đổi chỗ",
        factor_questions={"access": ["officer"], "officer": ["access"], "procedure": ["procedure"], "result": ["result"], "feedback": ["feedback"]},
    )
    factors = {f.code: f for f in sipas_index(place.a, Period.month(2026, 3)).factors}
    assert factors["access"].satisfied == 1 and factors["officer"].satisfied == 0


def test_a_mapping_must_name_each_factor_with_distinct_scale_questions():
    assert check_factor_questions({}) == []
    problems = check_factor_questions({"access": ["access", "procedure"], "procedure": ["procedure"], "officer": ["trips"], "result": []})
    assert len(problems) == 4  # procedure twice, trips not a scale question, result empty, feedback missing


def test_no_ratings_gives_no_figure_and_no_significance(place):
    result = sipas_index(place.a, Period.year(2026))
    assert result.overall.value is None and result.overall.answers == 0 and not result.overall.significant
    assert all(f.value is None and f.answers == 0 and f.low is None for f in result.factors)


def test_a_single_answer_has_a_wide_interval():
    estimate = factor_estimate("access", "Tiếp cận", Tally(answers=1, satisfied=1), "share_satisfied", 30)
    assert estimate.value == 1 and estimate.low_percent == Decimal("20.65") and estimate.high == 1


def test_mean_score_aggregation_rescales_to_0_1():
    tally = Tally()
    from congvu.feedback.scoring import SchemeRules

    for value, n in ((5, 2), (3, 2)):
        tally.add(value, n, SchemeRules())
    estimate = factor_estimate("access", "Tiếp cận", tally, "mean_score", 30)
    # Rescaled answers 1, 1, 0.5, 0.5: mean 0.75, s = √(4 × 0.0625 / 3) = 0.288675…, half = 1.96 s / 2.
    assert estimate.value == Decimal("0.75")
    assert abs(float(estimate.low) - (0.75 - 1.96 * math.sqrt(0.25 / 3) / 2)) < 1e-9


def test_ranges_are_whole_months_plus_clipped_edges():
    whole, partial = whole_and_partial_months(Period.parse("2026-03-15_2026-05-31"))
    assert [m.key for m in whole] == ["2026-04", "2026-05"]
    assert [p.key for p in partial] == ["2026-03-15_2026-03-31"]


def test_rollups_equal_raw_counting_across_months_and_custom_ranges(rate, place):
    rate(5, at=local(2026, 3, 10, 10))
    rate(2, at=local(2026, 3, 31, 23, 30))  # still March in Vietnam (16:30 UTC)
    rate(4, at=local(2026, 4, 1, 0, 30))  # April in Vietnam, though 31 March in UTC
    rate(3, at=local(2026, 4, 20, 10))
    rate(5, at=local(2026, 5, 2, 10))
    assert services.refresh_rating_rollups() == 5
    assert set(RatingMonth.objects.values_list("month", "ratings")) == {
        (Period.month(2026, 3).start, 2), (Period.month(2026, 4).start, 2), (Period.month(2026, 5).start, 1)}
    assert RatingRollup.objects.filter(question="access", month=Period.month(2026, 3).start).count() == 2
    periods = [Period.month(2026, 3), Period.month(2026, 4), Period.quarter(2026, 2), Period.year(2026),
               Period.parse("2026-03-15_2026-04-30"), Period.parse("2026-03-31_2026-04-01"), Period.parse("2026-04-02_2026-04-19")]
    for period in periods:
        for unit in (place.province, place.a, place.b):
            assert sipas_index(unit, period) == sipas_index(unit, period, use_rollups=False), (period.key, unit.code)
    ranged = sipas_index(place.province, Period.parse("2026-03-15_2026-04-30"))
    assert ranged.ratings == 3 and ranged.factors[0].satisfied == 1  # 2 (31 Mar), 4 (1 Apr), 3 (20 Apr)
    assert sipas_index(place.province, Period.year(2026)).factors[0].answers == 5
    assert sipas_index(place.b, Period.year(2026)).ratings == 0  # another commune's handling unit
    # A year after a refresh: rollup rows for the whole months, raw ratings only above the checkpoint (none).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        sipas_index(place.province, Period.year(2026))
    raw = [q["sql"] for q in queries.captured_queries if '"feedback_rating"' in q["sql"] and '."id" > ' not in q["sql"]]
    assert raw == [] and len(queries.captured_queries) <= 12


def test_batched_overall_figures_equal_the_index_of_each_unit_and_month(rate, place):
    from congvu.feedback.sipas import overall_by_month, overall_many

    rate(5, at=local(2026, 3, 10, 10))
    rate(2, at=local(2026, 3, 31, 23, 30))
    rate(4, at=local(2026, 4, 1, 0, 30))
    services.refresh_rating_rollups()
    rate(3, at=local(2026, 4, 20, 10))  # newer than the rollups: read raw
    units_ = [place.a, place.b, place.dept]
    for period in (Period.month(2026, 3), Period.month(2026, 4), Period.parse("2026-03-15_2026-04-30"), Period.year(2026)):
        batch = overall_many(units_, period)
        assert batch == {u.pk: sipas_index(u, period).overall for u in units_}, period.key
    months = Period.month(2026, 5).last_months(4)
    by_month = overall_by_month(place.province, months)
    assert by_month == {m.key: sipas_index(place.province, m).overall for m in months}
    assert by_month["2026-04"].answers == 2 and by_month["2026-02"].value is None


def test_ratings_newer_than_the_rollups_and_late_commits_are_counted(rate, place):
    rate(5, at=local(2026, 3, 10, 10))
    services.refresh_rating_rollups()
    late = rate(2, at=local(2026, 3, 11, 10))
    # Not refreshed yet: the newest ratings are read raw, so the figure is current.
    assert sipas_index(place.a, Period.month(2026, 3)).ratings == 2
    # A rating whose transaction committed after a higher id had been rolled up (PostgreSQL): the checkpoint is
    # already past it, but the re-scan window's count has grown, so its month is recomputed.
    RatingRollupCheckpoint.objects.filter(pk=1).update(last_rating_id=late.pk)
    assert services.refresh_rating_rollups() == 0
    assert RatingMonth.objects.get(unit=place.a, month=Period.month(2026, 3).start).ratings == 2
    assert sipas_index(place.a, Period.month(2026, 3)) == sipas_index(place.a, Period.month(2026, 3), use_rollups=False)
    assert services.refresh_rating_rollups() == 0  # nothing new: idempotent
    assert services.rebuild_rating_rollups() == 2


def test_ratings_behind_a_figure(rate, place):
    rates = [rate(v) for v in (5, 4, 3, 2)]
    march = Period.month(2026, 3)
    assert selectors.ratings_behind(place.a, march).count() == 4
    assert set(selectors.ratings_behind(place.a, march, factor="access", satisfied=False)) == {rates[2], rates[3]}
    assert set(selectors.ratings_behind(place.a, march, factor="access", satisfied=True)) == {rates[0], rates[1]}
    assert selectors.ratings_behind(place.a, march, factor="feedback").count() == 0
    assert selectors.ratings_behind(place.a, Period.month(2026, 4)).count() == 0


# ------------------------------------------------------------------------------------------------ pages


@pytest.fixture
def reform(place):
    return units.create_staff_member("caicach", "Phòng Cải cách", place.province, Role.REFORM_ADMIN, password=PASSWORD).user


def test_sipas_page_shows_factors_counts_intervals_and_links(client, rate, place, reform):
    for access in (5, 5, 4, 2):
        rate(access)
    client.force_login(reform)
    page = client.get(reverse("feedback_staff:sipas"), {"unit": place.a.code, "period": "2026-03"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "75,00%" in html and page.context["result"].factors[0].significant is False and "badge text-bg-warning" in html
    assert "sipas-chart" in html and "chart.umd.min.js" in html and "<caption>" in html
    assert "factor=access&amp;satisfied=1" in html
    behind = client.get(reverse("feedback_staff:sipas_ratings"), {"unit": place.a.code, "period": "2026-03", "factor": "access", "satisfied": "0"})
    assert behind.status_code == 200 and behind.context["page"].paginator.count == 1
    export = client.get(reverse("feedback_staff:sipas_export"), {"unit": place.a.code, "period": "2026-03"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == 4 and rows[1][2] == 3 and Decimal(str(rows[1][3])) == Decimal("75.00")


def test_sipas_page_rejects_bad_periods_and_units_out_of_scope(client, place, staff):
    client.force_login(staff.leader)  # leader of commune A: sees A and below, not B
    bad = client.get(reverse("feedback_staff:sipas"), {"unit": place.a.code, "period": "2026-13"})
    assert bad.status_code == 400 and "Tháng phải từ 1 đến 12" in bad.content.decode()
    assert client.get(reverse("feedback_staff:sipas"), {"unit": place.b.code, "period": "2026-03"}).status_code == 400
    assert client.get(reverse("feedback_staff:sipas_export"), {"unit": place.b.code, "period": "2026"}).status_code == 400
    assert client.get(reverse("feedback_staff:sipas_ratings"), {"unit": place.a.code, "period": "2026", "factor": "nope"}).status_code == 400
    client.force_login(staff.officer)
    assert client.get(reverse("feedback_staff:sipas")).status_code == 403


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


HEADER = ["nam", "ma_don_vi", "yeu_to", "gia_tri", "co_mau", "nguon"]


def test_official_results_import_all_or_nothing_with_row_errors(client, place, reform, staff):
    client.force_login(reform)
    template = client.get(reverse("feedback_staff:official_template"))
    assert load_workbook(io.BytesIO(template.content)).active["A1"].value == "nam"
    bad = _xlsx([HEADER, [2025, place.a.code, "access", "81,5", 120, "QĐ 12/QĐ-UBND"], [2025, "KHONG-CO", "overall", 70, "", "QĐ 12"],
                 [2025, place.a.code, "access", 80, "", "QĐ 12"], [2025, place.a.code, "result", 101, "", ""]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("feedback_staff:official_results"), {"file": SimpleUploadedFile("kq.xlsx", bad)})
    html = response.content.decode()
    assert response.status_code == 400 and not OfficialSurveyResult.objects.exists(), response.context["problems"]
    assert response.context["problems"] == [
        "Dòng 3: không có đơn vị mã KHONG-CO trong phạm vi của bạn.",
        "Dòng 4: trùng với dòng 2 (cùng năm, đơn vị, yếu tố).",
        "Dòng 5: giá trị phải là số phần trăm từ 0 đến 100; thiếu nguồn (quyết định, báo cáo công bố kết quả).",
    ]
    assert "Dòng 5: giá trị phải là số phần trăm" in html
    good = "\ufeffnam;ma_don_vi;yeu_to;gia_tri;co_mau;nguon\n2025;T01-A;access;81,5;120;QĐ 12/QĐ-UBND\n2025;T01-A;overall;79;120;QĐ 12/QĐ-UBND\n"
    response = client.post(reverse("feedback_staff:official_results"), {"file": SimpleUploadedFile("kq.csv", good.encode())})
    assert response.status_code == 302
    row = OfficialSurveyResult.objects.get(factor="access")
    assert row.value == Decimal("81.50") and row.sample_size == 120 and row.imported_by == reform
    result = sipas_index(place.a, Period.year(2025))
    assert [r.factor for r in result.official] == ["access", "overall"]
    page = client.get(reverse("feedback_staff:sipas"), {"unit": place.a.code, "period": "2025"})
    assert "81,50%" in page.content.decode()
    not_a_file = client.post(reverse("feedback_staff:official_results"), {"file": SimpleUploadedFile("kq.pdf", b"%PDF")})
    assert not_a_file.status_code == 400 and "Chỉ nhận tệp Excel" in not_a_file.content.decode()
    client.force_login(staff.leader)
    assert client.get(reverse("feedback_staff:official_results")).status_code == 403
    with pytest.raises(FeedbackError):
        services.import_official_results(staff.leader, "kq.csv", good.encode())
