"""The check (触发-响应) on its main paths: black company, suspended entry, 落实到人, name candidates."""

from __future__ import annotations

import datetime as dt

from tests.factories import company, make_resident_id, person
from tests.lists.builders import CREDIT_OFFICE, DAY
from tests.lists.test_tasks import listed
from tests.records.builders import clerk_of, department, weekends_calendar
from xinyong.lists import exits
from xinyong.measures import service
from xinyong.measures.schemas import CheckIn, SubjectQuery
from xinyong.subjects.service import set_legal_representative

TODAY = DAY + dt.timedelta(days=30)


def ask(session, keyring, dept, matter, **subject):
    return service.check(session, keyring, weekends_calendar(), clerk_of(dept), dept.id,
                         CheckIn(subject=SubjectQuery(**subject), matter=matter), today=TODAY)


def test_black_company_gets_mandatory_measures_for_procurement_and_its_legal_rep_the_personal_ones(session, keyring):
    dept = department(session)
    number = make_resident_id()
    firm, boss = company(session, "漳州市黑榜贸易有限公司"), person(session, keyring, "李四", number=number)
    set_legal_representative(session, firm, boss, actor="test")
    entry = listed(session, "procurement_serious", firm, dept, DAY)
    out = ask(session, keyring, dept, "政府采购", code=firm.uscc)
    assert [e.entry_id for e in out.entries] == [entry.id]
    assert out.measures[0].code == "restrict_procurement" and out.measures[0].mandatory
    assert out.green_channel and not out.green_channel.eligible
    honours = ask(session, keyring, dept, "评优评先", document_type="居民身份证", document_number=number)
    assert [m.code for m in honours.measures] == ["revoke_honours"]
    assert honours.entries[0].via == "legal_representative"
    exits.suspend(session, CREDIT_OFFICE, entry, reason="异议核查")
    suspended = ask(session, keyring, dept, "政府采购", code=firm.uscc)
    assert suspended.entries[0].status == "suspended" and suspended.measures == []


def test_name_matching_several_subjects_returns_all_candidates(session, keyring):
    dept = department(session)
    company(session, "漳州市同名商贸有限公司")
    company(session, "漳州市同名商贸有限公司")
    out = ask(session, keyring, dept, "行政审批", name="漳州市同名商贸有限公司")
    assert not out.found and len(out.candidates) == 2 and out.measures == []
    clean = company(session, "漳州市清白科技有限公司")
    ok = ask(session, keyring, dept, "行政审批", code=clean.uscc)
    assert ok.green_channel.eligible and ok.measures == []
