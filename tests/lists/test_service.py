"""The entry workflow refuses bad input and enforces the rules: subjects, departments, roles, validity, due process."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import company, make_resident_id, make_uscc, person
from tests.lists.builders import CREDIT_OFFICE, DAY, proposal, recogniser
from tests.records.builders import clerk_of, penalty, submit, weekends_calendar
from xinyong.accounts.errors import NotAllowed
from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.audit.models import AuditEvent
from xinyong.calendar import WorkingCalendar
from xinyong.crypto import Keyring
from xinyong.departments.models import Department
from xinyong.errors import IllegalTransition
from xinyong.lists import exits, repository, service
from xinyong.lists.definitions import ExitReason, load_list_types
from xinyong.lists.errors import (
    CrossCheckConflict,
    DueProcessMissing,
    DuplicateEntry,
    InvalidEntry,
    ListTypeNotFound,
    NotRecognisingDepartment,
    SubjectNotFound,
)
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.schemas import FACTS_MAX, EntryProposal, SubjectRef
from xinyong.lists.states import EntryStatus
from xinyong.records.models import ChangeEvent, CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Subject

CAL = weekends_calendar()
BLACK = "market_serious_violation"  # 36 months, notice required, 5 working days for objections
AFTER_WINDOW = dt.date(2026, 6, 9)  # notice delivered on DAY (Mon 1 June): window ends Mon 8 June
NATIONAL_DAY = {dt.date(2026, 10, d): "国庆节" for d in range(1, 8)}
NATIONAL_DAY_WORKDAY = {dt.date(2026, 10, 10): "国庆节调休"}  # a Saturday worked


def entries(session: Session) -> int:
    """How many list entries exist."""
    return len(session.scalars(select(ListEntry.id)).all())


def effective(session: Session, keyring: Keyring, code: str, subject: Subject, dept: Department, clerk: Principal,
              facts: str = "经查，该主体存在失信行为。") -> ListEntry:
    """An entry of a company proposed, notified on DAY and approved after the objection window."""
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(code, subject, facts=facts))
    service.record_notice(session, CAL, clerk, entry, notice_text="拟列入告知书", delivered_on=DAY)
    return service.approve(session, CREDIT_OFFICE, entry, today=AFTER_WINDOW)


def record_of(session: Session, keyring: Keyring, dept: Department, subject: Subject) -> CreditRecord:
    """A stored 行政处罚 record of a company."""
    decided = DAY - dt.timedelta(days=10)
    batch = submit(session, keyring, dept, [penalty(dept, name=subject.name, uscc=subject.uscc, decided=decided)],
                   today=decided + dt.timedelta(days=1), calendar=CAL)
    assert batch.accepted == 1
    return session.scalars(select(CreditRecord).where(CreditRecord.subject_id == subject.id)).one()


# ------------------------------------------------------------------ who is listed


def test_unknown_company_code_is_refused(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    before = entries(session)
    code = make_uscc()
    ref = EntryProposal(list_type=BLACK, subject=SubjectRef(code=code), facts="事实", recognised_on=DAY)
    with pytest.raises(SubjectNotFound) as caught:
        service.propose(session, keyring, CAL, clerk, dept, ref)
    assert code in caught.value.message and caught.value.status == 404
    assert entries(session) == before


def test_unknown_person_document_is_refused_without_showing_the_number(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    number = make_resident_id()
    ref = EntryProposal(list_type=BLACK, subject=SubjectRef(document_type="居民身份证", document_number=number),
                        facts="事实", recognised_on=DAY)
    with pytest.raises(SubjectNotFound) as caught:
        service.propose(session, keyring, CAL, clerk, dept, ref)
    assert "居民身份证" in caught.value.message and number not in caught.value.message


def test_subject_reference_without_code_or_document_is_refused(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    ref = EntryProposal(list_type=BLACK, subject=SubjectRef(document_type="居民身份证"), facts="事实",
                        recognised_on=DAY)
    with pytest.raises(InvalidEntry, match="统一社会信用代码"):
        service.propose(session, keyring, CAL, clerk, dept, ref)


def test_company_code_is_matched_case_and_space_insensitively(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    subject = company(session)
    ref = EntryProposal(list_type=BLACK, subject=SubjectRef(code=f" {subject.uscc.lower()} "), facts="事实",
                        recognised_on=DAY)
    assert service.propose(session, keyring, CAL, clerk, dept, ref).subject_id == subject.id


def test_legal_representative_name_is_snapshotted_from_the_subject(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    firm, rep = company(session), person(session, keyring, name="王建国")
    subjects_service.set_legal_representative(session, firm, rep, actor="test")
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, firm))
    assert entry.legal_representative == "王建国"
    assert entry.subject_name == firm.name and entry.subject_code == firm.uscc and entry.subject_masked_id is None
    rep.name = "王建民"  # a later change does not rewrite what was recognised
    session.flush()
    session.expire(entry)
    assert entry.legal_representative == "王建国"
    other = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session)))
    assert other.legal_representative is None


def test_person_entry_keeps_only_the_masked_document_number(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    number = make_resident_id()
    subject = person(session, keyring, number=number)
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, subject, document_number=number))
    assert entry.subject_code is None and entry.legal_representative is None
    assert entry.subject_masked_id == subject.document_masked and number not in entry.subject_masked_id


# ------------------------------------------------------------------ which list type, which department, which role


def test_list_type_of_another_department_is_refused(session, keyring):
    dept, clerk = recogniser(session, "tax_major_violation", name="国家税务总局漳州市税务局")
    with pytest.raises(NotRecognisingDepartment) as caught:
        service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session)))
    assert "不是" in caught.value.message and "认定部门" in caught.value.message
    assert caught.value.status == 403


def test_credit_office_cannot_propose_for_a_department_that_is_not_granted(session, keyring):
    dept, _ = recogniser(session, "tax_major_violation", name="国家税务总局漳州市税务局")
    with pytest.raises(NotRecognisingDepartment):
        service.propose(session, keyring, CAL, CREDIT_OFFICE, dept, proposal(BLACK, company(session)))


def test_unknown_and_deactivated_list_types_are_refused(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    with pytest.raises(ListTypeNotFound):
        service.propose(session, keyring, CAL, clerk, dept, proposal("no_such_list", company(session)))
    repository.list_type_by_code(session, BLACK).is_active = False
    session.flush()
    with pytest.raises(ListTypeNotFound, match="已停用"):
        service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session)))


def test_grant_is_idempotent(session):
    dept, _ = recogniser(session, BLACK)
    service.grant(session, service.get_list_type(session, BLACK), dept, actor="test")
    assert [t.code for t in repository.granted_types(session, dept.id)] == [BLACK]


def test_clerk_cannot_propose_in_the_name_of_another_department(session, keyring):
    _, clerk_a = recogniser(session, BLACK, name="甲区市场监督管理局")
    dept_b, _ = recogniser(session, BLACK, name="乙区市场监督管理局")
    with pytest.raises(NotAllowed, match="本部门"):
        service.propose(session, keyring, CAL, clerk_a, dept_b, proposal(BLACK, company(session)))


def test_clerk_of_department_a_cannot_act_on_department_b_entries(session, keyring):
    _, clerk_a = recogniser(session, BLACK, name="甲区市场监督管理局")
    dept_b, clerk_b = recogniser(session, BLACK, name="乙区市场监督管理局")
    proposed = service.propose(session, keyring, CAL, clerk_b, dept_b, proposal(BLACK, company(session)))
    live = effective(session, keyring, BLACK, company(session), dept_b, clerk_b)
    refused = [
        lambda: service.record_notice(session, CAL, clerk_a, proposed, notice_text="告知", delivered_on=DAY),
        lambda: service.withdraw(session, clerk_a, proposed, reason="撤回"),
        lambda: service.approve(session, clerk_a, proposed, today=AFTER_WINDOW),
        lambda: exits.suspend(session, clerk_a, live, reason="异议"),
        lambda: exits.exit_by(session, clerk_a, live, ExitReason.MISTAKE),
    ]
    for action in refused:
        with pytest.raises(NotAllowed):
            action()
    assert proposed.status is EntryStatus.PROPOSED and live.status is EntryStatus.EFFECTIVE
    exits.suspend(session, clerk_b, live, reason="异议核查")
    with pytest.raises(NotAllowed):
        exits.reinstate(session, clerk_a, live, reason="异议不成立")
    assert live.status is EntryStatus.SUSPENDED


def test_only_the_credit_office_approves(session, keyring):
    dept, clerk = recogniser(session, "tax_a_grade", name="国家税务总局漳州市税务局")
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal("tax_a_grade", company(session), facts="A级"))
    for role in (Role.DEPARTMENT_CLERK, Role.REVIEWER, Role.BUSINESS_SYSTEM):
        with pytest.raises(NotAllowed, match="信用办管理员"):
            service.approve(session, clerk_of(dept, role), entry, today=DAY)
    assert entry.status is EntryStatus.PROPOSED


def test_business_system_role_is_refused_everywhere(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    system = clerk_of(dept, Role.BUSINESS_SYSTEM)
    before = entries(session)
    with pytest.raises(NotAllowed, match="业务系统"):
        service.propose(session, keyring, CAL, system, dept, proposal(BLACK, company(session)))
    assert entries(session) == before
    proposed = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session)))
    live = effective(session, keyring, BLACK, company(session), dept, clerk)
    for action in (
        lambda: service.record_notice(session, CAL, system, proposed, notice_text="告知", delivered_on=DAY),
        lambda: service.withdraw(session, system, proposed, reason="撤回"),
        lambda: exits.suspend(session, system, live, reason="异议"),
        lambda: exits.exit_by(session, system, live, ExitReason.REPAIRED),
    ):
        with pytest.raises(NotAllowed, match="业务系统"):
            action()
    assert proposed.status is EntryStatus.PROPOSED and live.status is EntryStatus.EFFECTIVE


# ------------------------------------------------------------------ validity and facts


def test_default_validity_is_the_type_period_and_publication_is_due_in_7_working_days(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session),
                                                                          basis_note="处罚决定书 漳市监罚〔2026〕1号"))
    assert (entry.valid_from, entry.valid_until) == (DAY, dt.date(2029, 5, 31))
    assert entry.publish_due_on == dt.date(2026, 6, 10)
    assert entry.basis.startswith("《市场监督管理严重违法失信名单管理办法》") and entry.basis.endswith("漳市监罚〔2026〕1号")


def test_validity_end_before_start_is_refused(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    bad = proposal(BLACK, company(session), valid_from=dt.date(2026, 7, 1), valid_until=dt.date(2026, 6, 30))
    with pytest.raises(InvalidEntry, match="不能早于有效期起"):
        service.propose(session, keyring, CAL, clerk, dept, bad)


def test_validity_longer_than_the_type_allows_is_refused(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    longest = dt.date(2029, 5, 31)  # 36 months from 1 June 2026, last day included
    accepted = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session),
                                                                             valid_until=longest))
    assert accepted.valid_until == longest
    for too_long in (longest + dt.timedelta(days=1), dt.date(2030, 1, 1)):
        with pytest.raises(InvalidEntry, match="36 个月"):
            service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session),
                                                                          valid_until=too_long))


def test_validity_is_counted_from_a_later_start(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session),
                                                                          valid_from=dt.date(2026, 7, 15)))
    assert entry.valid_until == dt.date(2029, 7, 14)


@pytest.mark.parametrize("facts", ["", "x" * (FACTS_MAX + 1)], ids=["empty", "too_long"])
def test_empty_and_over_long_facts_are_refused_by_the_schema(facts):
    with pytest.raises(ValidationError) as caught:
        EntryProposal(list_type=BLACK, subject=SubjectRef(code="x"), facts=facts, recognised_on=DAY)
    assert [e["loc"] for e in caught.value.errors()] == [("facts",)]


def test_whitespace_facts_are_refused_by_the_service(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    before = entries(session)
    with pytest.raises(InvalidEntry, match="列入事由不能为空"):
        service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session), facts=" \n\t　 "))
    assert entries(session) == before


def test_longest_facts_are_accepted_and_stored_trimmed(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    facts = "事" * FACTS_MAX
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session),
                                                                          facts=f"{facts[:-2]}  "))
    assert entry.facts == facts[:-2]
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session), facts=facts))
    session.expire(entry)
    assert entry.facts == facts


def test_extra_fields_in_a_proposal_are_refused_by_the_schema():
    with pytest.raises(ValidationError):
        EntryProposal.model_validate({"list_type": BLACK, "subject": {"code": "x"}, "facts": "事实",
                                      "recognised_on": "2026-06-01", "status": "effective"})


# ------------------------------------------------------------------ source record


def test_source_record_of_another_subject_is_refused(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    listed, other = company(session), company(session, name="漳州市另一食品有限公司")
    foreign = record_of(session, keyring, dept, other)
    with pytest.raises(InvalidEntry, match="不属于该主体"):
        service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, listed, source_record_id=foreign.id))
    with pytest.raises(InvalidEntry, match="不存在"):
        service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, listed, source_record_id=foreign.id + 10**9))
    own = record_of(session, keyring, dept, listed)
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, listed, source_record_id=own.id))
    assert entry.source_record_id == own.id


# ------------------------------------------------------------------ due process


def test_person_needs_notice_even_where_the_type_does_not(session, keyring):
    dept, clerk = recogniser(session, "tax_a_grade", name="国家税务总局漳州市税务局")
    number = make_resident_id()
    subject = person(session, keyring, number=number)
    entry = service.propose(session, keyring, CAL, clerk, dept,
                            proposal("tax_a_grade", subject, facts="A级", document_number=number))
    with pytest.raises(DueProcessMissing, match="自然人须事前告知"):
        service.approve(session, CREDIT_OFFICE, entry, today=DAY + dt.timedelta(days=60))
    assert entry.status is EntryStatus.PROPOSED and entry.effective_at is None
    service.record_notice(session, CAL, clerk, entry, notice_text="告知书", delivered_on=DAY)
    service.approve(session, CREDIT_OFFICE, entry, today=AFTER_WINDOW)
    assert entry.status is EntryStatus.EFFECTIVE


def test_company_on_a_no_notice_type_goes_effective_directly(session, keyring):
    dept, clerk = recogniser(session, "tax_a_grade", name="国家税务总局漳州市税务局")
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal("tax_a_grade", company(session), facts="A级"))
    service.approve(session, CREDIT_OFFICE, entry, today=DAY)
    assert entry.status is EntryStatus.EFFECTIVE and entry.effective_at is not None


def test_notice_delivered_before_the_recognition_date_is_refused(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session)))
    with pytest.raises(InvalidEntry, match="不能早于认定日期"):
        service.record_notice(session, CAL, clerk, entry, notice_text="告知", delivered_on=DAY - dt.timedelta(days=1))
    assert entry.status is EntryStatus.PROPOSED and entry.notice_delivered_on is None
    service.record_notice(session, CAL, clerk, entry, notice_text="  告知书  ", delivered_on=DAY)
    assert entry.notice_text == "告知书" and entry.objection_until == dt.date(2026, 6, 8)


def test_objection_window_crosses_national_day_and_approval_waits_for_the_next_working_day(session, keyring):
    cal = WorkingCalendar(NATIONAL_DAY, NATIONAL_DAY_WORKDAY, covered_years={2026})
    dept, clerk = recogniser(session, BLACK)
    recognised, delivered = dt.date(2026, 9, 28), dt.date(2026, 9, 29)  # Mon, Tue before the holiday
    entry = service.propose(session, keyring, cal, clerk, dept, proposal(BLACK, company(session),
                                                                          recognised_on=recognised))
    service.record_notice(session, cal, clerk, entry, notice_text="拟列入告知书", delivered_on=delivered)
    # 5 working days: 30 Sep, 8 Oct, 9 Oct, Sat 10 Oct (调休), Mon 12 Oct; weekends alone would end on 6 Oct.
    assert entry.objection_until == dt.date(2026, 10, 12)
    assert WorkingCalendar(covered_years={2026}).add_working_days(delivered, 5) == dt.date(2026, 10, 6)
    for day in (dt.date(2026, 10, 6), dt.date(2026, 10, 11), dt.date(2026, 10, 12)):
        with pytest.raises(DueProcessMissing, match="异议期至 2026-10-12"):
            service.approve(session, CREDIT_OFFICE, entry, today=day)
        assert entry.status is EntryStatus.NOTIFIED
    service.approve(session, CREDIT_OFFICE, entry, today=dt.date(2026, 10, 13))
    assert entry.status is EntryStatus.EFFECTIVE


def test_approve_on_a_suspended_entry_is_refused(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    entry = effective(session, keyring, BLACK, company(session), dept, clerk)
    exits.suspend(session, clerk, entry, reason="异议核查")
    effective_at = entry.effective_at
    with pytest.raises(IllegalTransition, match="恢复"):
        service.approve(session, CREDIT_OFFICE, entry, today=AFTER_WINDOW)
    assert entry.status is EntryStatus.SUSPENDED and entry.effective_at == effective_at


# ------------------------------------------------------------------ duplicates


def test_same_facts_with_different_whitespace_are_a_duplicate(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    subject = company(session)
    first = service.propose(session, keyring, CAL, clerk, dept,
                            proposal(BLACK, subject, facts="经查，该公司 伪造检验报告。"))
    with pytest.raises(DuplicateEntry) as caught:
        service.propose(session, keyring, CAL, clerk, dept,
                        proposal(BLACK, subject, facts="  经查，\n该公司伪造\t检验报告。 "))
    assert str(first.id) in caught.value.message and caught.value.status == 409
    other = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, subject, facts="经查，该公司拒不履行。"))
    assert other.id != first.id


def test_duplicate_is_allowed_again_after_the_first_is_withdrawn(session, keyring):
    dept, clerk = recogniser(session, BLACK)
    subject = company(session)
    first = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, subject))
    service.withdraw(session, clerk, first, reason="材料不全，撤回")
    again = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, subject))
    assert again.id != first.id and again.fingerprint == first.fingerprint
    with pytest.raises(DuplicateEntry):
        service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, subject))


def test_same_facts_for_another_subject_or_type_is_not_a_duplicate(session, keyring):
    dept, clerk = recogniser(session, BLACK, "market_watch")
    subject = company(session)
    service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, subject))
    assert service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session))).id
    assert service.propose(session, keyring, CAL, clerk, dept, proposal("market_watch", subject)).id


# ------------------------------------------------------------------ kinds and the cross-check


def test_warning_list_cannot_be_proposed_by_hand(session, keyring):
    dept, clerk = recogniser(session, "credit_warning")
    before = entries(session)
    for principal in (clerk, CREDIT_OFFICE):
        with pytest.raises(InvalidEntry, match="自动派生"):
            service.propose(session, keyring, CAL, principal, dept, proposal("credit_warning", company(session)))
    assert entries(session) == before


@pytest.mark.parametrize("suspend", [False, True], ids=["effective", "suspended"])
def test_red_is_refused_while_the_subject_is_on_a_watch_list(session, keyring, suspend):
    market, market_clerk = recogniser(session, "market_watch")
    tax, tax_clerk = recogniser(session, "tax_a_grade", name="国家税务总局漳州市税务局")
    subject = company(session)
    watch = effective(session, keyring, "market_watch", subject, market, market_clerk)
    if suspend:
        exits.suspend(session, market_clerk, watch, reason="异议核查")
    red = service.propose(session, keyring, CAL, tax_clerk, tax, proposal("tax_a_grade", subject, facts="A级"))
    with pytest.raises(CrossCheckConflict) as caught:
        service.approve(session, CREDIT_OFFICE, red, today=DAY)
    assert "市场监管领域重点关注名单" in caught.value.message and str(watch.id) in caught.value.message
    assert red.status is EntryStatus.PROPOSED and red.effective_at is None


def test_red_is_allowed_once_the_watch_entry_has_exited(session, keyring):
    market, market_clerk = recogniser(session, "market_watch")
    tax, tax_clerk = recogniser(session, "tax_a_grade", name="国家税务总局漳州市税务局")
    subject = company(session)
    watch = effective(session, keyring, "market_watch", subject, market, market_clerk)
    exits.exit_by(session, market_clerk, watch, ExitReason.MISTAKE)
    red = service.propose(session, keyring, CAL, tax_clerk, tax, proposal("tax_a_grade", subject, facts="A级"))
    assert service.approve(session, CREDIT_OFFICE, red, today=DAY).status is EntryStatus.EFFECTIVE


@pytest.mark.parametrize("code", [BLACK, "market_watch"])
def test_approving_black_or_watch_exits_the_red_entry_with_an_announcement(session, keyring, code):
    market, market_clerk = recogniser(session, code)
    tax, tax_clerk = recogniser(session, "tax_a_grade", "customs_aeo", name="国家税务总局漳州市税务局")
    subject = company(session)
    red = service.propose(session, keyring, CAL, tax_clerk, tax, proposal("tax_a_grade", subject, facts="A级"))
    service.approve(session, CREDIT_OFFICE, red, today=DAY)
    other_red = service.propose(session, keyring, CAL, tax_clerk, tax, proposal("customs_aeo", subject, facts="AEO"))
    service.approve(session, CREDIT_OFFICE, other_red, today=DAY)
    adverse = effective(session, keyring, code, subject, market, market_clerk)
    for entry in (red, other_red):
        assert entry.status is EntryStatus.EXITED and entry.exit_reason is ExitReason.CROSS_CHECK
        assert f"条目 {adverse.id}" in entry.exit_note
        announcement = repository.announcement_of(session, entry.id)
        assert announcement is not None and announcement.number.startswith("退出公告〔")
        assert ExitReason.CROSS_CHECK.value in announcement.body and entry.exit_note in announcement.body
        assert entry.list_type.name in announcement.title
        kinds = [str(k) for k in session.scalars(select(ChangeEvent.kind).where(ChangeEvent.list_entry_id == entry.id)
                                                  .order_by(ChangeEvent.id))]
        assert kinds == ["list.proposed", "list.effective", "list.exited"]
    assert adverse.status is EntryStatus.EFFECTIVE
    assert service.cross_check(session, adverse) == []


# ------------------------------------------------------------------ list types from configuration


def test_syncing_the_shipped_types_again_changes_nothing(session):
    assert service.sync_list_types(session, load_list_types()) == []
    stored = {t.code for t in repository.list_types(session)}
    assert stored == {d.code for d in load_list_types()}


def test_sync_deactivates_a_missing_type_and_refreshes_a_changed_one(session, keyring):
    dept, clerk = recogniser(session, BLACK, "ecommerce_watch")
    shipped = load_list_types()
    changed = [d.model_copy(update={"validity_months": 24, "name": "市场监督管理严重违法失信名单（修订）"})
               if d.code == BLACK else d for d in shipped if d.code != "ecommerce_watch"]
    assert sorted(service.sync_list_types(session, changed, actor="user:1")) == sorted([BLACK, "ecommerce_watch"])

    gone = repository.list_type_by_code(session, "ecommerce_watch")
    assert gone is not None and gone.is_active is False  # deactivated, never deleted
    assert "ecommerce_watch" not in {t.code for t in repository.list_types(session)}
    with pytest.raises(ListTypeNotFound):
        service.propose(session, keyring, CAL, clerk, dept, proposal("ecommerce_watch", company(session)))

    refreshed = service.get_list_type(session, BLACK)
    assert refreshed.name.endswith("（修订）") and refreshed.definition["validity_months"] == 24
    assert service.definition_of(refreshed).validity_months == 24
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(BLACK, company(session)))
    assert entry.valid_until == dt.date(2028, 5, 31)

    loaded = session.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "list_type.loaded",
                                                                AuditEvent.actor == "user:1")).all()
    assert sorted(loaded) == sorted([BLACK, "ecommerce_watch"])
    assert service.sync_list_types(session, changed) == []

    assert sorted(service.sync_list_types(session, shipped)) == sorted([BLACK, "ecommerce_watch"])
    assert service.get_list_type(session, "ecommerce_watch").is_active
    assert service.get_list_type(session, BLACK).definition["validity_months"] == 36


def test_sync_creates_a_new_type(session):
    base = next(d for d in load_list_types() if d.code == "market_watch")
    new = base.model_copy(update={"code": "pricing_watch", "name": "价格领域重点关注名单"})
    assert service.sync_list_types(session, [*load_list_types(), new]) == ["pricing_watch"]
    stored = session.scalars(select(ListType).where(ListType.code == "pricing_watch")).one()
    assert stored.is_active and stored.kind == base.kind and stored.definition["name"] == "价格领域重点关注名单"


def test_unknown_document_type_is_a_clear_refusal_not_a_crash(session, keyring):
    dept, clerk = recogniser(session, "wage_arrears_black", name="漳州市人力资源和社会保障局")
    subject = person(session, keyring)
    bad = proposal("wage_arrears_black", subject, document_number="350602198506120011")
    bad.subject.document_type = "护照本"
    with pytest.raises(InvalidEntry, match="证件类型“护照本”无效"):
        service.propose(session, keyring, weekends_calendar(), clerk, dept, bad)
