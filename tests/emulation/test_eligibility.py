"""The eligibility engine without a database: every condition of the shipped Law 06/2022 titles met and failed,
with its Vietnamese reason; the quota; consecutive titles from recorded decisions; collective titles; the
configuration checks."""

import copy
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from congvu.emulation.eligibility import (
    CatalogueError, CollectiveFacts, DisciplineFact, InitiativeFact, PersonFacts, Quota, RatingFact, evaluate, load_catalogue,
)
from congvu.people.discipline import DISCIPLINE_FORMS, DISCIPLINE_LABELS_VI, discipline_severity

DATA = Path(__file__).resolve().parents[2] / "src" / "congvu" / "emulation" / "data" / "titles_law_06_2022.json"
# The people app's discipline forms (pure module), lightest first: code -> (severity, label).
FORMS = {form: (discipline_severity(form), DISCIPLINE_LABELS_VI[form]) for form in DISCIPLINE_FORMS}
Y = 2026
REPRIMAND = DisciplineFact(1, "Khiển trách", "quyết định số 5/QĐ-UBND")
WARNING = DisciplineFact(2, "Cảnh cáo", "quyết định số 9/QĐ-UBND")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(json.loads(DATA.read_text("utf-8")), FORMS)


def person(uid, level="good", points=None, *, name=None, provisional=False, discipline=(), initiatives=(), past=None, earlier=None):
    ratings = {Y: RatingFact(level, points=None if points is None else D(points), provisional=provisional)}
    for year, lvl in (earlier or {}).items():
        ratings[year] = RatingFact(lvl)
    return PersonFacts(uid, name or f"Người {uid}", ratings=ratings, discipline=tuple(discipline), initiatives=tuple(initiatives),
                       past_titles={y: frozenset(c) for y, c in (past or {}).items()})


def init(scope="unit", year=Y, title="Sáng kiến số hóa"):
    return InitiativeFact(year, scope, title, "QĐ 1/QĐ-HĐSK")


def verdict(catalogue, people, uid, code, unit=None):
    return evaluate(catalogue, Y, people, unit).people[uid][code]


# ------------------------------------------------------------------------------------------------ Lao động tiên tiến


@pytest.mark.parametrize("level, ok", [("excellent", True), ("good", True), ("completed", False), ("not_completed", False), ("", False)])
def test_lao_dong_tien_tien_needs_good_or_better(catalogue, level, ok):
    v = verdict(catalogue, [person(1, level)], 1, "lao_dong_tien_tien")
    assert v.qualifies is ok
    assert v.checks[0].met is ok
    assert "Hoàn thành tốt nhiệm vụ" in v.checks[0].text and ("đạt" in v.checks[0].text)
    if level == "":
        assert "chưa được xếp loại" in v.checks[0].text


def test_any_discipline_in_the_year_blocks_lao_dong_tien_tien_and_says_which(catalogue):
    v = verdict(catalogue, [person(1, "excellent", discipline=[REPRIMAND])], 1, "lao_dong_tien_tien")
    assert not v.qualifies
    assert v.checks[0].met and not v.checks[1].met
    assert v.failed == ("Bị kỷ luật trong năm 2026: Khiển trách — quyết định số 5/QĐ-UBND.",)
    clean = verdict(catalogue, [person(1, "good")], 1, "lao_dong_tien_tien")
    assert clean.reasons[1] == "Không bị kỷ luật trong năm 2026."


def test_provisional_rating_is_said_and_flagged(catalogue):
    v = verdict(catalogue, [person(1, "good", provisional=True)], 1, "lao_dong_tien_tien")
    assert v.qualifies and v.provisional and "(tạm tính)" in v.reasons[0]


# ------------------------------------------------------------------------------------------------ Chiến sĩ thi đua cơ sở


def test_chien_si_co_so_needs_lao_dong_tien_tien_and_an_initiative(catalogue):
    people = [person(1, "excellent", initiatives=[init()]), person(2, "excellent"), person(3, "completed", initiatives=[init()])]
    out = evaluate(catalogue, Y, people)
    v1, v2, v3 = (out.people[i]["chien_si_thi_dua_co_so"] for i in (1, 2, 3))
    assert v1.qualifies and "«Sáng kiến số hóa» (cơ sở, 2026, QĐ 1/QĐ-HĐSK)" in v1.reasons[1]
    assert v1.reasons[2].startswith("Trong tỷ lệ: xếp thứ 1/1")
    assert not v2.qualifies and v2.failed == ("Có 0 sáng kiến được công nhận, phạm vi ảnh hưởng từ cơ sở trở lên, trong năm 2026 — cần 1.",)
    assert not v3.qualifies and v3.failed[0] == "Chưa đạt điều kiện danh hiệu Lao động tiên tiến năm 2026."


def test_initiative_of_another_year_does_not_count(catalogue):
    v = verdict(catalogue, [person(1, "good", initiatives=[init(year=Y - 1)])], 1, "chien_si_thi_dua_co_so")
    assert not v.qualifies and "trong năm 2026 — cần 1" in v.failed[0]


def test_quota_15_percent_of_lao_dong_tien_tien_ranked_by_level_then_points(catalogue):
    # 10 people rated good or better: 15% of 10 = 1.5, floor → 1 place; three have initiatives.
    people = [person(i, "good", 80 + i) for i in range(1, 8)]
    people += [person(8, "good", "95", initiatives=[init()]), person(9, "excellent", "91", initiatives=[init()]),
               person(10, "excellent", "93", initiatives=[init()])]
    out = evaluate(catalogue, Y, people)
    assert out.qualified("lao_dong_tien_tien") == list(range(1, 11))
    assert out.qualified("chien_si_thi_dua_co_so") == [10]
    beyond = out.people[9]["chien_si_thi_dua_co_so"]
    assert not beyond.qualifies
    assert beyond.failed == ("Vượt tỷ lệ: xếp thứ 2/3 người đủ điều kiện (theo mức xếp loại, rồi điểm năm); đơn vị chỉ được 1 suất — "
                             "không quá 15% số người đạt Lao động tiên tiến của đơn vị (làm tròn xuống, tối thiểu 1 người).",)
    assert "xếp thứ 3/3" in out.people[8]["chien_si_thi_dua_co_so"].failed[0]


def test_quota_at_least_one_in_a_small_unit(catalogue):
    out = evaluate(catalogue, Y, [person(1, "good", initiatives=[init()]), person(2, "good")])
    assert out.qualified("chien_si_thi_dua_co_so") == [1]  # 15% of 2 = 0.3 → 0, but at least one


@pytest.mark.parametrize("rounding, at_least_one, base, allowed", [
    ("floor", False, 6, 0), ("floor", True, 6, 1), ("floor", True, 0, 0), ("ceil", False, 6, 1), ("round", False, 10, 2),
    ("round", False, 3, 0), ("floor", False, 20, 3),
])
def test_quota_arithmetic(rounding, at_least_one, base, allowed):
    assert Quota("x", D(15), rounding, at_least_one).allowed(base) == allowed


# ------------------------------------------------------------------------------------------------ higher titles


def test_chien_si_cap_tinh_three_consecutive_with_province_initiative(catalogue):
    history = {Y - 1: {"chien_si_thi_dua_co_so", "lao_dong_tien_tien"}, Y - 2: {"chien_si_thi_dua_co_so"}}
    good = person(1, "excellent", initiatives=[init("province", Y - 1)], past=history)
    v = verdict(catalogue, [good], 1, "chien_si_thi_dua_cap_tinh")
    assert not v.qualifies  # the province-wide initiative of 2025 is not recognised at unit level this year
    assert v.failed[0] == "Năm 2026 chưa đạt Chiến sĩ thi đua cơ sở, nên chưa đủ 3 năm liên tục (đã đạt các năm: 2024, 2025)."
    both = person(1, "excellent", initiatives=[init("unit", Y), init("province", Y - 1, "Một cửa không giấy")], past=history)
    v = verdict(catalogue, [both], 1, "chien_si_thi_dua_cap_tinh")
    assert v.qualifies
    assert v.reasons[0] == "Đạt Chiến sĩ thi đua cơ sở 3 năm liên tục: 2024, 2025, 2026 (các năm trước theo quyết định khen thưởng đã ghi nhận)."
    assert "«Một cửa không giấy» (toàn tỉnh, 2025" in v.reasons[1] and "các năm 2024–2026" in v.reasons[1]


def test_a_gap_breaks_the_chain_and_unit_scope_initiative_is_not_province_wide(catalogue):
    gap = person(1, "excellent", initiatives=[init("unit")], past={Y - 1: {"chien_si_thi_dua_co_so"}, Y - 3: {"chien_si_thi_dua_co_so"}})
    v = verdict(catalogue, [gap], 1, "chien_si_thi_dua_cap_tinh")
    assert not v.qualifies
    assert v.failed[0] == "Chỉ đạt Chiến sĩ thi đua cơ sở 2 năm liên tục (2025, 2026) — cần 3 năm (các năm trước theo quyết định khen thưởng đã ghi nhận)."
    assert v.failed[1] == "Có 0 sáng kiến được công nhận, phạm vi ảnh hưởng từ toàn tỉnh trở lên, trong các năm 2024–2026 — cần 1; có 1 sáng kiến phạm vi hẹp hơn."


def test_chien_si_toan_quoc_two_consecutive_province_titles(catalogue):
    past = {Y - 1: {"chien_si_thi_dua_cap_tinh", "chien_si_thi_dua_co_so"}, Y - 2: {"chien_si_thi_dua_co_so"}}
    p = person(1, "excellent", initiatives=[init("national")], past=past)
    out = evaluate(catalogue, Y, [p])
    assert out.people[1]["chien_si_thi_dua_cap_tinh"].qualifies
    assert out.people[1]["chien_si_thi_dua_toan_quoc"].qualifies
    alone = person(1, "excellent", initiatives=[init("national")], past={Y - 1: {"chien_si_thi_dua_co_so"}, Y - 2: {"chien_si_thi_dua_co_so"}})
    v = verdict(catalogue, [alone], 1, "chien_si_thi_dua_toan_quoc")
    assert not v.qualifies and "Chỉ đạt Chiến sĩ thi đua cấp tỉnh 1 năm liên tục (2026) — cần 2 năm" in v.failed[0]


def test_giay_khen_and_bang_khen(catalogue):
    ok = person(1, "excellent", initiatives=[init(year=Y - 1), init()], earlier={Y - 1: "excellent"})
    out = evaluate(catalogue, Y, [ok])
    assert out.people[1]["giay_khen"].qualifies and out.people[1]["bang_khen"].qualifies
    assert out.people[1]["bang_khen"].reasons[0] == ("Xếp loại năm 2025: Hoàn thành xuất sắc nhiệm vụ; năm 2026: Hoàn thành xuất sắc nhiệm vụ — "
                                                     "cần «Hoàn thành xuất sắc nhiệm vụ» 2 năm liên tục: đạt.")
    one_year = person(1, "excellent", initiatives=[init(year=Y - 1), init()], earlier={Y - 1: "good"})
    assert not verdict(catalogue, [one_year], 1, "bang_khen").qualifies
    unrated = person(1, "excellent", initiatives=[init(year=Y - 1), init()])
    v = verdict(catalogue, [unrated], 1, "bang_khen")
    assert "năm 2025 chưa được xếp loại" in v.failed[0]


# ------------------------------------------------------------------------------------------------ collectives


UNIT = CollectiveFacts(100, "Phường Thử")


def test_tap_the_lao_dong_tien_tien_more_than_half(catalogue):
    half = [person(1, "good"), person(2, "good"), person(3, "completed"), person(4, "completed")]
    v = evaluate(catalogue, Y, half, UNIT).unit["tap_the_lao_dong_tien_tien"]
    assert not v.qualifies and v.failed == ("2/4 thành viên (50%) đạt Lao động tiên tiến — cần trên 50%: chưa đạt.",)
    more = half[:3] + [person(4, "good")]
    v = evaluate(catalogue, Y, more, UNIT).unit["tap_the_lao_dong_tien_tien"]
    assert v.qualifies and v.reasons == ("3/4 thành viên (75%) đạt Lao động tiên tiến — cần trên 50%: đạt.",
                                         "Không thành viên nào bị kỷ luật từ hình thức Cảnh cáo trở lên trong năm 2026.")


def test_a_reprimand_does_not_block_the_collective_lao_dong_tien_tien_but_a_warning_does(catalogue):
    people = [person(1, "good"), person(2, "good"), person(3, "good", discipline=[REPRIMAND])]
    v = evaluate(catalogue, Y, people, UNIT).unit["tap_the_lao_dong_tien_tien"]
    assert v.qualifies and v.reasons[1] == "Không thành viên nào bị kỷ luật từ hình thức Cảnh cáo trở lên trong năm 2026 (có 1 kỷ luật nhẹ hơn)."
    people[2] = person(3, "good", name="Trần Văn C", discipline=[WARNING])
    v = evaluate(catalogue, Y, people, UNIT).unit["tap_the_lao_dong_tien_tien"]
    assert not v.qualifies
    assert v.failed == ("1 thành viên bị kỷ luật từ hình thức Cảnh cáo trở lên trong năm 2026: Trần Văn C: Cảnh cáo — quyết định số 9/QĐ-UBND.",)


def test_tap_the_lao_dong_xuat_sac_all_conditions(catalogue):
    people = [person(i, "good") for i in range(1, 8)] + [person(8, "excellent", initiatives=[init()]), person(9, "completed"), person(10, "completed")]
    v = evaluate(catalogue, Y, people, UNIT).unit["tap_the_lao_dong_xuat_sac"]
    assert v.qualifies, v.failed
    assert v.reasons[2] == "Có 1 thành viên đạt Chiến sĩ thi đua cơ sở (Người 8) — cần ít nhất 1: đạt."
    # One not completed: 90% < 100%.
    people[9] = person(10, "not_completed")
    v = evaluate(catalogue, Y, people, UNIT).unit["tap_the_lao_dong_xuat_sac"]
    assert v.failed == ("9/10 thành viên (90%) xếp loại từ «Hoàn thành nhiệm vụ» trở lên — cần từ 100%: chưa đạt.",)
    # Back to all completed, but 6/10 Lao động tiên tiến (< 70%) and no Chiến sĩ thi đua cơ sở, and a reprimand.
    people = [person(i, "good") for i in range(1, 7)] + [person(i, "completed") for i in range(7, 10)] + [person(10, "completed", discipline=[REPRIMAND])]
    v = evaluate(catalogue, Y, people, UNIT).unit["tap_the_lao_dong_xuat_sac"]
    assert [c.met for c in v.checks] == [True, False, False, False]
    assert v.failed[0] == "6/10 thành viên (60%) đạt Lao động tiên tiến — cần từ 70%: chưa đạt."
    assert v.failed[1] == "Có 0 thành viên đạt Chiến sĩ thi đua cơ sở — cần ít nhất 1: chưa đạt."
    assert v.failed[2].startswith("1 thành viên bị kỷ luật trong năm 2026: Người 10: Khiển trách")


def test_collective_commendations_and_consecutive_unit_titles(catalogue):
    people = [person(1, "excellent", initiatives=[init()]), person(2, "good"), person(3, "good")]
    unit = CollectiveFacts(100, "Phường Thử", past_titles={Y - 1: frozenset({"tap_the_lao_dong_xuat_sac"})})
    out = evaluate(catalogue, Y, people, unit)
    assert out.unit["tap_the_lao_dong_xuat_sac"].qualifies
    assert out.unit["giay_khen_tap_the"].qualifies
    assert out.unit["bang_khen_tap_the"].qualifies
    assert out.unit["bang_khen_tap_the"].reasons[0].startswith("Đạt Tập thể lao động xuất sắc 2 năm liên tục: 2025, 2026")
    fresh = evaluate(catalogue, Y, people, UNIT).unit["bang_khen_tap_the"]
    assert not fresh.qualifies and "Chỉ đạt Tập thể lao động xuất sắc 1 năm liên tục (2026)" in fresh.failed[0]


def test_empty_unit_qualifies_for_nothing_and_says_so(catalogue):
    out = evaluate(catalogue, Y, [], UNIT)
    assert out.people == {}
    assert not any(v.qualifies for v in out.unit.values())
    assert out.unit["tap_the_lao_dong_tien_tien"].failed[0] == "Đơn vị chưa có thành viên nào để xét."


def test_every_verdict_has_a_reason_per_condition(catalogue):
    people = [person(1, "excellent", initiatives=[init()]), person(2, "completed", discipline=[WARNING]), person(3, "")]
    out = evaluate(catalogue, Y, people, UNIT)
    for uid, verdicts in out.people.items():
        assert set(verdicts) == {t.code for t in catalogue.individual}
        for code, v in verdicts.items():
            title = catalogue.get(code)
            assert len(v.checks) >= len(title.conditions) and all(c.text.endswith(".") for c in v.checks)
            assert v.qualifies == all(c.met for c in v.checks)
    assert set(out.unit) == {t.code for t in catalogue.collective}


# ------------------------------------------------------------------------------------------------ configuration


def test_shipped_catalogue_reads_and_describes(catalogue):
    assert [t.code for t in catalogue.individual][:4] == ["lao_dong_tien_tien", "chien_si_thi_dua_co_so", "chien_si_thi_dua_cap_tinh",
                                                          "chien_si_thi_dua_toan_quoc"]
    assert catalogue.get("chien_si_thi_dua_co_so").quota == Quota("lao_dong_tien_tien", D(15), "floor", True, catalogue.get("chien_si_thi_dua_co_so").quota.note)
    assert any("15%" in n and "XÁC NHẬN" in n for n in catalogue.notes)
    assert catalogue.lookback() == 3
    texts = [catalogue.describe(c) for t in catalogue.titles for c in t.conditions]
    assert "Xếp loại từ «Hoàn thành tốt nhiệm vụ» trở lên trong năm" in texts
    assert "Tỷ lệ thành viên đạt Lao động tiên tiến trên 50%" in texts
    assert "Không thành viên nào bị kỷ luật trong năm từ Cảnh cáo trở lên" in texts


def bad(mutate):
    data = json.loads(DATA.read_text("utf-8"))
    mutate(data)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(data, FORMS)
    return caught.value.messages


def test_configuration_errors_are_all_reported_in_vietnamese():
    assert bad(lambda d: d.update(titles=[])) == ["Tệp cấu hình cần danh sách 'titles' không rỗng."]

    def many(d):
        d["titles"][0]["conditions"][0]["level"] = "superb"
        d["titles"][0]["conditions"][1]["min_form"] = "shouting"
        d["titles"][1]["conditions"][0]["title"] = "chien_si_thi_dua_toan_quoc"  # defined below: refused
        d["titles"][2]["code"] = "lao_dong_tien_tien"
        d["titles"][3]["kind"] = "robot"
        d["titles"][6]["conditions"][0]["share"] = "150"
        d["titles"][6]["conditions"][0]["op"] = "lt"
        d["titles"][7]["conditions"].append({"type": "rating_at_least", "level": "good"})
        d["titles"][1]["quota"]["rounding"] = "sideways"
        d["titles"][5]["conditions"][1]["count"] = 0
    messages = bad(many)
    joined = "\n".join(messages)
    for needle in ("mức xếp loại", "«shouting»", "khai báo ở trên", "mã bị trùng", "loại phải là", "từ 0 đến 100", "'gt' (trên)",
                   "không hợp lệ cho tập thể", "làm tròn", "(count): cần một số nguyên"):
        assert needle in joined, needle
    assert len(messages) >= 10


def test_quota_only_on_individual_titles_over_an_earlier_individual_title():
    def collective_quota(d):
        d["titles"][6]["quota"] = {"of_title": "lao_dong_tien_tien", "share": 10}
    assert any("chỉ áp dụng cho danh hiệu cá nhân" in m for m in bad(collective_quota))

    def forward(d):
        d["titles"][0]["quota"] = {"of_title": "chien_si_thi_dua_co_so", "share": 10}
    assert any("tính trên một danh hiệu cá nhân khai báo ở trên" in m for m in bad(forward))


def test_a_province_can_change_the_quota_in_data():
    data = json.loads(DATA.read_text("utf-8"))
    changed = copy.deepcopy(data)
    changed["titles"][1]["quota"] = {"of_title": "lao_dong_tien_tien", "share": "50", "rounding": "floor"}
    cat = load_catalogue(changed, FORMS)
    people = [person(i, "good", initiatives=[init()]) for i in range(1, 5)]
    assert len(evaluate(cat, Y, people).qualified("chien_si_thi_dua_co_so")) == 2
    del changed["titles"][1]["quota"]
    assert len(evaluate(load_catalogue(changed, FORMS), Y, people).qualified("chien_si_thi_dua_co_so")) == 4
