"""Screening output: code before name, per-row errors, persons never by name and masked, measures, suspension."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import company, make_resident_id, make_uscc, person
from tests.lists.builders import DAY
from tests.lists.test_tasks import listed
from tests.records.builders import department
from xinyong.lists.states import EntryStatus
from xinyong.measures.definitions import load_measures
from xinyong.screening import service
from xinyong.screening.service import BY_CODE, BY_DOCUMENT, BY_NAME, ERROR, HIT, MISS

TODAY = DAY + dt.timedelta(days=30)
MEASURES = load_measures()


def run(session, rows, **kw):
    kw.setdefault("today", TODAY)
    return service.screen(session, service.input_frame(rows), measures=MEASURES, **kw)


def row(result, i):
    return result.rows.row(i, named=True)


def matches(result, i):
    return result.matches.filter(result.matches["idx"] == i).to_dicts()


@pytest.fixture()
def black_firm(session):
    dept = department(session)
    firm = company(session, "漳州市华兴食品有限公司")
    entry = listed(session, "food_drug_serious", firm, dept, DAY)
    return firm, entry, dept


def test_code_match_beats_name_match(session, black_firm):
    firm, entry, dept = black_firm
    namesake = company(session, "漳州华兴食品有限公司")
    other = listed(session, "market_watch", namesake, dept, DAY)
    out = run(session, [{"code": firm.uscc, "name": "漳州华兴食品有限公司"}])
    found = matches(out, 0)
    assert [(m["entry_id"], m["method"], m["score"]) for m in found] == [(entry.id, BY_CODE, 1.0)]
    assert other.id not in [m["entry_id"] for m in found]
    assert row(out, 0)["status"] == HIT and row(out, 0)["list_kinds"] == ["严重失信主体名单"]


def test_name_match_carries_score_reasons_and_measures(session, black_firm):
    firm, entry, _ = black_firm
    out = run(session, [{"row": "A7", "name": "漳州市華興食品有限責任公司"}], matter="政府采购")
    (m,) = matches(out, 0)
    assert m["method"] == BY_NAME and m["entry_id"] == entry.id and m["subject_code"] == firm.uscc
    assert m["score"] >= 0.95 and "繁简转换后一致" in m["reasons"]
    assert "法律形式写法统一后一致：有限责任公司/有限公司" in m["reasons"]
    assert m["measure_codes"] and row(out, 0)["row"] == "A7"
    assert row(out, 0)["measure_codes"] == m["measure_codes"]
    every = run(session, [{"name": "漳州市华兴食品有限公司"}])
    assert set(matches(out, 0)[0]["measure_codes"]) <= set(matches(every, 0)[0]["measure_codes"])


def test_same_brand_in_another_city_is_not_a_match(session, black_firm):
    out = run(session, [{"name": "厦门市华兴食品有限公司"}, {"name": "漳州市华鑫食品有限公司"},
                        {"name": "华兴食品有限公司漳州分公司"}])
    assert out.rows["status"].to_list() == [MISS, MISS, MISS] and out.matches.is_empty()
    low = run(session, [{"name": "厦门市华兴食品有限公司"}], threshold=0.5)
    assert any("城市不同：厦门 vs 漳州" in r for r in matches(low, 0)[0]["reasons"])


def test_bad_rows_are_reported_and_the_rest_still_screened(session, black_firm):
    firm = black_firm[0]
    broken = firm.uscc[:-1] + ("0" if firm.uscc[-1] != "0" else "1")
    out = run(session, [{"code": broken}, {}, {"code": firm.uscc}, {"code": broken, "name": "漳州华兴食品有限公司"},
                        {"code": "12345"}, {"name": "某" * 201}, {"code": make_uscc()}])
    assert out.rows["status"].to_list() == [ERROR, ERROR, HIT, HIT, ERROR, ERROR, MISS]
    assert "校验位错误" in row(out, 0)["error"] and row(out, 1)["error"] == "统一社会信用代码和名称均为空"
    assert "长度应为18位" in row(out, 4)["error"] and "超过 200" in row(out, 5)["error"]
    assert matches(out, 3)[0]["method"] == BY_NAME and "已按名称筛查" in row(out, 3)["notes"][0]
    assert out.summary() == {"rows": 7, "hit": 2, "miss": 1, "errors": 4, "by_code": 1, "by_name": 1, "matches": 2}


def test_a_lower_threshold_shows_near_misses_with_their_reasons(session, black_firm):
    out = run(session, [{"name": "漳州市华鑫食品有限公司"}, {"code": black_firm[0].uscc, "name": "某" * 201}],
              threshold=0.5)
    (m,) = matches(out, 0)
    assert 0.5 <= m["score"] < 0.85 and "字号不同：华鑫 vs 华兴" in m["reasons"]
    assert row(out, 1)["status"] == HIT and "未按名称筛查" in row(out, 1)["notes"][0]


def test_name_of_a_listed_subject_with_another_valid_code_is_noted_not_hit(session, black_firm):
    out = run(session, [{"code": make_uscc(), "name": "漳州市华兴食品有限公司"}])
    assert row(out, 0)["status"] == MISS and "统一社会信用代码不同" in row(out, 0)["notes"][0]


def test_persons_are_never_matched_by_name_and_are_masked(session, keyring):
    dept = department(session)
    number = make_resident_id()
    someone = person(session, keyring, "王建国", number=number)
    entry = listed(session, "wage_arrears_black", someone, dept, DAY)
    by_name = run(session, [{"name": "王建国"}], threshold=0.3, keyring=keyring)
    assert by_name.matches.is_empty() and row(by_name, 0)["status"] == MISS
    by_number = run(session, [{"code": number, "name": "王建国"}], keyring=keyring)
    (m,) = matches(by_number, 0)
    assert m["entry_id"] == entry.id and m["method"] == BY_DOCUMENT
    assert m["subject_name"] == "王*国" and m["subject_code"] is None and number not in (m["masked_id"] or "")
    assert "王建国" not in str(by_number.matches.to_dicts())
    without_key = run(session, [{"code": number}])
    assert row(without_key, 0)["status"] == ERROR and "密钥" in row(without_key, 0)["error"]


def test_suspended_entries_are_shown_but_trigger_no_measure_and_old_entries_not_at_all(session):
    dept = department(session)
    held = company(session, "漳州市异议商贸有限公司")
    listed(session, "market_serious_violation", held, dept, DAY, status=EntryStatus.SUSPENDED)
    gone = company(session, "漳州市过期商贸有限公司")
    listed(session, "market_watch", gone, dept, DAY - dt.timedelta(days=400), until=DAY - dt.timedelta(days=1))
    out = run(session, [{"code": held.uscc}, {"code": gone.uscc}])
    (m,) = matches(out, 0)
    assert m["entry_status"] == "suspended" and m["measure_codes"] == []
    assert row(out, 1)["status"] == MISS


def test_red_list_entries_bring_rewards(session):
    dept = department(session)
    good = company(session, "漳州市守信科技有限公司")
    listed(session, "tax_a_grade", good, dept, DAY)
    out = run(session, [{"code": good.uscc}])
    assert row(out, 0)["list_kinds"] == ["红名单"] and row(out, 0)["measure_codes"]


def test_cache_follows_list_changes(session, black_firm):
    dept = black_firm[2]
    assert row(run(session, [{"name": "漳州市新增贸易有限公司"}]), 0)["status"] == MISS
    listed(session, "market_watch", company(session, "漳州市新增贸易有限公司"), dept, DAY)
    assert row(run(session, [{"name": "漳州新增贸易有限公司"}]), 0)["status"] == HIT


def test_threshold_out_of_range_is_refused(session):
    with pytest.raises(Exception, match="阈值"):
        run(session, [{"name": "x"}], threshold=1.5)
