"""Which measures a check returns: mandatory first, matter filter, domain triggers, 落实到人, suspension,
rewards for red, recommended measures for watch, entries out of force ignored, green channel."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import company, make_resident_id, make_uscc, person
from tests.lists.builders import CREDIT_OFFICE, DAY
from tests.lists.test_tasks import listed
from tests.records.builders import clerk_of, department, penalty, submit, weekends_calendar
from xinyong.lists import exits
from xinyong.lists.definitions import ExitReason
from xinyong.lists.states import EntryStatus
from xinyong.measures import service
from xinyong.measures.definitions import parse_measures_text
from xinyong.measures.schemas import CheckIn, CheckOut, SubjectQuery
from xinyong.records.publication import add_months
from xinyong.subjects.service import set_legal_representative

TODAY = DAY + dt.timedelta(days=30)


def ask(session, keyring, dept, matter, measures=None, **subject) -> CheckOut:
    """A check by the department's clerk on TODAY."""
    return service.check(session, keyring, weekends_calendar(), clerk_of(dept), dept.id,
                         CheckIn(subject=SubjectQuery(**subject), matter=matter), today=TODAY, measures=measures)


def codes(out: CheckOut) -> list[str]:
    return [m.code for m in out.measures]


@pytest.fixture()
def dept(session):
    return department(session)


def test_mandatory_measures_come_first_and_the_matter_filters(session, keyring, dept) -> None:
    firm = company(session, "漳州市双榜建材有限公司")
    black = listed(session, "market_serious_violation", firm, dept, DAY)
    watch = listed(session, "procurement_watch", firm, dept, DAY)
    out = ask(session, keyring, dept, "政府采购", code=firm.uscc)
    assert codes(out) == ["restrict_procurement", "watch_procurement_caution"]
    assert [m.mandatory for m in out.measures] == [True, False]
    assert out.measures[0].entry_ids == [black.id] and out.measures[1].entry_ids == [watch.id]
    assert "政府采购法" in out.measures[0].legal_basis and out.measures[0].departments
    assert codes(ask(session, keyring, dept, "行政审批", code=firm.uscc)) == ["strict_licence_review",
                                                                            "watch_no_commitment_shortcut"]
    assert codes(ask(session, keyring, dept, "评优评先", code=firm.uscc)) == ["revoke_honours"]
    assert codes(ask(session, keyring, dept, "融资授信", code=firm.uscc)) == ["credit_risk_pricing"]
    assert not ask(session, keyring, dept, "融资授信", code=firm.uscc).measures[0].mandatory
    assert codes(ask(session, keyring, dept, "高消费", code=firm.uscc)) == []


def test_order_is_mandatory_first_whatever_the_configured_order(session, keyring, dept) -> None:
    basis = "\n    - document: 《示例备忘录》\n      article: 第一条"
    text = "".join(
        f"- code: {code}\n  name: {code}\n  kind: 惩戒\n  mandatory: {flag}\n  triggers: [{{kind: 严重失信主体名单}}]\n"
        f"  matters: [招标投标]\n  departments: [示例部门]\n  legal_basis: {basis}\n"
        for code, flag in (("a_recommended", "false"), ("b_mandatory", "true"), ("c_recommended", "false")))
    firm = company(session)
    listed(session, "safety_serious", firm, dept, DAY)
    out = ask(session, keyring, dept, "招标投标", parse_measures_text(text, "test.yaml"), code=firm.uscc)
    assert codes(out) == ["b_mandatory", "a_recommended", "c_recommended"]


@pytest.mark.parametrize(("list_type", "restricted"), [
    ("tax_major_violation", True), ("wage_arrears_black", True),
    ("market_serious_violation", False), ("food_drug_serious", False),
])
def test_high_consumption_only_for_judicial_tax_and_wage_black_lists(session, keyring, dept, list_type,
                                                                     restricted) -> None:
    firm = company(session)
    listed(session, list_type, firm, dept, DAY)
    out = ask(session, keyring, dept, "高消费", code=firm.uscc)
    assert codes(out) == (["restrict_high_consumption"] if restricted else [])
    assert [e.list_type for e in out.entries] == [list_type]


def test_legal_representative_gets_only_the_measures_that_reach_persons(session, keyring, dept) -> None:
    number = make_resident_id()
    firm, boss = company(session, "漳州市失信工程有限公司"), person(session, keyring, "王大明", number=number)
    set_legal_representative(session, firm, boss, actor="test")
    entry = listed(session, "wage_arrears_black", firm, dept, DAY)
    doc = {"document_type": "居民身份证", "document_number": number}
    qualification = ask(session, keyring, dept, "任职资格", **doc)
    assert codes(qualification) == ["market_ban_persons"] and qualification.measures[0].reaches_persons
    hit = qualification.entries[0]
    assert (hit.entry_id, hit.via, hit.via_subject) == (entry.id, "legal_representative", "漳州市失信工程有限公司")
    assert codes(ask(session, keyring, dept, "高消费", **doc)) == ["restrict_high_consumption"]
    assert codes(ask(session, keyring, dept, "政府采购", **doc)) == []  # restrict_procurement is not 落实到人
    assert codes(ask(session, keyring, dept, "政府采购", code=firm.uscc)) == ["restrict_procurement"]
    subject = qualification.subject
    assert subject.kind == "自然人" and subject.code is None and subject.name != "王大明"
    assert subject.masked_id and number not in subject.masked_id
    assert number not in qualification.model_dump_json()


def test_legal_representative_of_a_red_or_watch_company_gets_nothing(session, keyring, dept) -> None:
    number = make_resident_id()
    boss = person(session, keyring, "赵守信", number=number)
    red, watched = company(session, "漳州市守信贸易有限公司"), company(session, "漳州市关注贸易有限公司")
    for firm in (red, watched):
        set_legal_representative(session, firm, boss, actor="test")
    listed(session, "tax_a_grade", red, dept, DAY)
    listed(session, "market_watch", watched, dept, DAY)
    out = ask(session, keyring, dept, "行政审批", document_type="居民身份证", document_number=number)
    assert out.found and out.entries == [] and out.measures == []
    assert out.green_channel.eligible


def test_suspended_entry_is_returned_as_suspended_and_triggers_nothing(session, keyring, dept) -> None:
    firm = company(session)
    suspended = listed(session, "procurement_serious", firm, dept, DAY, status=EntryStatus.SUSPENDED)
    out = ask(session, keyring, dept, "政府采购", code=firm.uscc)
    assert [(e.entry_id, e.status) for e in out.entries] == [(suspended.id, "suspended")]
    assert out.measures == []
    active = listed(session, "tax_major_violation", firm, dept, DAY)
    both = ask(session, keyring, dept, "政府采购", code=firm.uscc)
    assert {e.status for e in both.entries} == {"suspended", "effective"}
    assert codes(both) == ["restrict_procurement"] and both.measures[0].entry_ids == [active.id]
    exits.reinstate(session, CREDIT_OFFICE, suspended, reason="异议不成立")
    assert ask(session, keyring, dept, "政府采购", code=firm.uscc).measures[0].entry_ids == [suspended.id, active.id]


def test_red_list_gives_rewards_and_a_domain_restricted_one_only_for_its_domain(session, keyring, dept) -> None:
    taxpayer, importer = company(session), company(session)
    listed(session, "tax_a_grade", taxpayer, dept, DAY)
    listed(session, "customs_aeo", importer, dept, DAY)
    approval = ask(session, keyring, dept, "行政审批", code=taxpayer.uscc)
    assert codes(approval) == ["tax_a_grade_rewards", "green_channel"]
    assert {m.kind for m in approval.measures} == {"激励"} and approval.measures[0].mandatory
    assert codes(ask(session, keyring, dept, "融资授信", code=taxpayer.uscc)) == ["tax_a_grade_rewards", "credit_loans"]
    assert codes(ask(session, keyring, dept, "行政审批", code=importer.uscc)) == ["green_channel"]
    assert approval.green_channel.eligible


def test_watch_list_gives_recommended_measures_only(session, keyring, dept) -> None:
    firm = company(session)
    listed(session, "market_watch", firm, dept, DAY)
    supervision = ask(session, keyring, dept, "日常监管", code=firm.uscc)
    assert codes(supervision) == ["intensive_supervision"] and not supervision.measures[0].mandatory
    approval = ask(session, keyring, dept, "行政审批", code=firm.uscc)
    assert codes(approval) == ["watch_no_commitment_shortcut"]
    assert not any(m.mandatory for m in approval.measures) and not approval.green_channel.eligible
    procurement = ask(session, keyring, dept, "政府采购", code=firm.uscc)
    assert codes(procurement) == ["watch_procurement_caution"] and not procurement.measures[0].mandatory
    assert codes(ask(session, keyring, dept, "高消费", code=firm.uscc)) == []


def test_entries_out_of_force_are_ignored(session, keyring, dept) -> None:
    firm = company(session)
    listed(session, "market_serious_violation", firm, dept, DAY - dt.timedelta(days=400), until=TODAY - dt.timedelta(1))
    listed(session, "tax_major_violation", firm, dept, TODAY + dt.timedelta(days=1))
    listed(session, "safety_serious", firm, dept, DAY, status=EntryStatus.PROPOSED)
    listed(session, "food_drug_serious", firm, dept, DAY, status=EntryStatus.NOTIFIED)
    exited = listed(session, "procurement_serious", firm, dept, DAY)
    exits.exit_by(session, CREDIT_OFFICE, exited, ExitReason.MISTAKE, "误列入")
    out = ask(session, keyring, dept, "政府采购", code=firm.uscc)
    assert out.found and out.entries == [] and out.measures == []
    last_day = listed(session, "statistics_serious", firm, dept, DAY, until=TODAY)
    assert [e.entry_id for e in ask(session, keyring, dept, "政府采购", code=firm.uscc).entries] == [last_day.id]


@pytest.mark.parametrize(("years_ago", "eligible"), [(3, True), (2, False)])
def test_green_channel_needs_three_years_without_adverse_records(session, keyring, dept, years_ago,
                                                                 eligible) -> None:
    firm = company(session, "漳州市绿色通道科技有限公司")
    decided = add_months(TODAY, -12 * years_ago) - dt.timedelta(days=1 if eligible else 0)
    batch = submit(session, keyring, dept, [penalty(dept, name=firm.name, uscc=firm.uscc, decided=decided)],
                   today=TODAY, calendar=weekends_calendar())
    assert batch.accepted == 1
    out = ask(session, keyring, dept, "行政审批", code=firm.uscc)
    assert out.green_channel.eligible is eligible
    assert f"{add_months(TODAY, -36)} 以来" in out.green_channel.reason
    assert out.measures == []


def test_no_green_channel_answer_without_a_single_subject(session, keyring, dept) -> None:
    out = ask(session, keyring, dept, "行政审批", code=make_uscc())
    assert not out.found and out.green_channel is None and out.entries == [] and out.candidates == []
