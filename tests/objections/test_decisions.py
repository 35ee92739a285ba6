"""Handling objections: notices, reasons, effects of each outcome, department scope, extension and lateness."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.attachments.samples import pdf_bytes
from tests.factories import make_uscc
from tests.lists.builders import CREDIT_OFFICE
from tests.objections.builders import CAL, TODAY, black_entry, file, payload, public_penalty, upload_settings
from tests.records.builders import clerk_of, department
from xinyong.accounts.errors import NotAllowed
from xinyong.errors import IllegalTransition
from xinyong.lists import tasks
from xinyong.lists.definitions import ExitReason
from xinyong.lists.models import ListAnnouncement, ListEntry
from xinyong.lists.states import EntryStatus
from xinyong.objections import decisions, repository
from xinyong.objections.errors import InvalidObjection
from xinyong.objections.states import NoticeKind, ObjectionStatus, Remedy
from xinyong.objections.submission import Evidence
from xinyong.records.models import ChangeEvent, CreditRecord
from xinyong.records.states import ChangeKind, RecordStatus


def verifying(session: Session, objection, who=CREDIT_OFFICE, today: dt.date = TODAY):
    """Accept and start verifying."""
    decisions.accept(session, who, objection, today=today)
    decisions.start_verifying(session, who, objection)
    return objection


def test_accept_issues_a_numbered_acceptance_notice(session: Session, keyring, settings) -> None:
    dept, record = public_penalty(session, keyring)
    objection = file(session, keyring, settings, payload(record=record)).objection
    decisions.accept(session, clerk_of(dept), objection, today=TODAY)
    [notice] = repository.notices_of(session, objection.id)
    assert notice.kind is NoticeKind.ACCEPTANCE and notice.title == "异议受理通知书"
    assert re.fullmatch(rf"异受〔{dt.date.today().year}〕\d+号", notice.number)
    assert objection.tracking_code in notice.body and str(objection.decide_due_on) in notice.body
    assert record.under_objection and not objection.accepted_late


def test_not_accepted_needs_a_reason_and_lifts_mark_and_suspension(session: Session, keyring, settings) -> None:
    dept, entry = black_entry(session)
    objection = file(session, keyring, settings, payload(entry=entry)).objection
    assert entry.status is EntryStatus.SUSPENDED
    with pytest.raises(InvalidObjection, match="请填写不予受理的理由"):
        decisions.not_accept(session, clerk_of(dept), objection, reason="  ", today=TODAY)
    decisions.not_accept(session, clerk_of(dept), objection, reason="异议人不是利害关系人", today=TODAY)
    assert objection.status is ObjectionStatus.NOT_ACCEPTED and objection.decision_reason == "异议人不是利害关系人"
    assert entry.status is EntryStatus.EFFECTIVE and not entry.under_objection
    assert [n.kind for n in repository.notices_of(session, objection.id)] == [NoticeKind.NON_ACCEPTANCE]


def test_rejected_restores_the_entry_with_reason_and_history(session: Session, keyring, settings) -> None:
    dept, entry = black_entry(session)
    objection = verifying(session, file(session, keyring, settings, payload(entry=entry)).objection)
    decisions.reject(session, clerk_of(dept), objection, reason="经核实，认定事实清楚", today=TODAY)
    assert entry.status is EntryStatus.EFFECTIVE and not entry.under_objection
    steps = [(h.from_state, h.to_state, h.reason) for h in repository.history(session, objection.id)]
    assert [s[1] for s in steps] == ["submitted", "accepted", "verifying", "rejected"]
    assert steps[-1][2] == "经核实，认定事实清楚"
    decision = repository.notices_of(session, objection.id)[-1]
    assert decision.title == "异议处理决定书" and "异议不成立" in decision.body


def test_mark_stays_while_another_objection_is_open(session: Session, keyring, settings, tmp_path) -> None:
    settings = upload_settings(settings, tmp_path)
    _dept, entry = black_entry(session)
    first = file(session, keyring, settings, payload(entry=entry)).objection
    second = file(session, keyring, settings, payload(entry=entry, applicant_kind="agent", applicant_name="代理人",
                                                      document=make_uscc()),
                  evidence=[Evidence("授权委托书.pdf", pdf_bytes())]).objection
    assert second.id != first.id
    decisions.not_accept(session, CREDIT_OFFICE, first, reason="重复", today=TODAY)
    assert entry.status is EntryStatus.SUSPENDED and entry.under_objection
    decisions.not_accept(session, CREDIT_OFFICE, second, reason="材料不全", today=TODAY)
    assert entry.status is EntryStatus.EFFECTIVE and not entry.under_objection


def test_upheld_correction_writes_a_new_version_and_an_update_event(session: Session, keyring, settings) -> None:
    dept, record = public_penalty(session, keyring)
    objection = verifying(session, file(session, keyring, settings, payload(record=record)).objection)
    decisions.uphold(session, clerk_of(dept), objection, remedy=Remedy.CORRECT, reason="罚款金额录入错误",
                     changes={"CF_NR": "罚款人民币500元", "CF_NR_FK": "0.05"}, today=TODAY)
    new = session.get(CreditRecord, objection.corrected_record_id)
    assert (new.version, new.supersedes_id, new.is_current, new.status) == (2, record.id, True, RecordStatus.EFFECTIVE)
    assert new.data["CF_NR"] == "罚款人民币500元" and new.natural_key == record.natural_key and not new.under_objection
    assert (record.is_current, record.status, record.under_objection) == (False, RecordStatus.SUPERSEDED, False)
    event = session.scalar(select(ChangeEvent).where(ChangeEvent.record_id == new.id))
    assert event.kind is ChangeKind.UPDATED and event.version == 2
    assert "更正信用记录" in repository.notices_of(session, objection.id)[-1].body


@pytest.mark.parametrize(("changes", "message"), [
    ({"CF_WSH": "新文书号"}, "不能通过异议更正"),
    ({"CF_XDR_MC": "别的公司"}, "不能通过异议更正"),
    ({"CF_NR_FK": "五百元"}, "应为数字"),
    ({}, "与原记录相同"),
])
def test_bad_corrections_are_refused_and_change_nothing(session: Session, keyring, settings, changes, message) -> None:
    _, record = public_penalty(session, keyring)
    objection = verifying(session, file(session, keyring, settings, payload(record=record)).objection)
    with pytest.raises(InvalidObjection, match=message):
        decisions.uphold(session, CREDIT_OFFICE, objection, remedy=Remedy.CORRECT, reason="更正", changes=changes,
                         today=TODAY)


def test_upheld_revocation_withdraws_the_record(session: Session, keyring, settings) -> None:
    _, record = public_penalty(session, keyring)
    objection = verifying(session, file(session, keyring, settings, payload(record=record)).objection)
    with pytest.raises(InvalidObjection, match="只能"):
        decisions.uphold(session, CREDIT_OFFICE, objection, remedy=Remedy.EXIT_MISTAKE, reason="x", today=TODAY)
    decisions.uphold(session, CREDIT_OFFICE, objection, remedy=Remedy.REVOKE, reason="处罚决定已被复议撤销", today=TODAY)
    assert record.status is RecordStatus.REVOKED and record.withdrawn_at is not None
    assert session.scalar(select(ChangeEvent.kind).where(ChangeEvent.record_id == record.id,
                                                         ChangeEvent.kind == ChangeKind.REVOKED)) is ChangeKind.REVOKED
    assert repository.public_record(session, record.id, TODAY) is None


@pytest.mark.parametrize(("remedy", "reason", "watch_after"), [
    (Remedy.EXIT_MISTAKE, ExitReason.MISTAKE, 0), (Remedy.EXIT_CORRECTED, ExitReason.CORRECTED, 1)])
def test_upheld_entry_exits_with_announcement_and_mistake_skips_the_watch_move(
        session: Session, keyring, settings, remedy, reason, watch_after) -> None:
    dept, entry = black_entry(session)
    objection = verifying(session, file(session, keyring, settings, payload(entry=entry)).objection)
    decisions.uphold(session, clerk_of(dept), objection, remedy=remedy, reason="认定主体错误", today=TODAY)
    assert entry.status is EntryStatus.EXITED and entry.exit_reason is reason and not entry.under_objection
    announcement = session.scalar(select(ListAnnouncement).where(ListAnnouncement.entry_id == entry.id))
    assert reason.value in announcement.body
    tasks.black_exit_to_watch(session, TODAY + dt.timedelta(days=1), calendar=CAL)
    derived = session.scalars(select(ListEntry).where(ListEntry.derived_from_id == entry.id)).all()
    assert len(derived) == watch_after


def test_a_department_cannot_act_on_another_departments_case(session: Session, keyring, settings) -> None:
    dept, record = public_penalty(session, keyring)
    other = department(session, "漳州市税务局")
    objection = file(session, keyring, settings, payload(record=record)).objection
    with pytest.raises(NotAllowed, match="只能处理本部门"):
        decisions.get_for(session, clerk_of(other), objection.id)
    with pytest.raises(NotAllowed):
        decisions.accept(session, clerk_of(other), objection, today=TODAY)
    assert objection.status is ObjectionStatus.SUBMITTED
    assert [o.id for o in repository.queue(session, other.id)] == []
    assert [o.id for o in repository.queue(session, dept.id)] == [objection.id]


def test_extend_once_with_reason(session: Session, keyring, settings) -> None:
    _, record = public_penalty(session, keyring)
    objection = file(session, keyring, settings, payload(record=record)).objection
    with pytest.raises(IllegalTransition, match="已受理或核查中"):
        decisions.extend(session, settings, CAL, CREDIT_OFFICE, objection, reason="复杂")
    decisions.accept(session, CREDIT_OFFICE, objection, today=TODAY)
    with pytest.raises(InvalidObjection, match="延期理由"):
        decisions.extend(session, settings, CAL, CREDIT_OFFICE, objection, reason="")
    decisions.extend(session, settings, CAL, CREDIT_OFFICE, objection, reason="需向复议机关调取材料")
    assert objection.decide_due_on == CAL.add_working_days(objection.submitted_on, 20)
    with pytest.raises(IllegalTransition, match="只能延长一次"):
        decisions.extend(session, settings, CAL, CREDIT_OFFICE, objection, reason="再延")


def test_late_decisions_are_allowed_but_marked_and_listed_overdue(session: Session, keyring, settings) -> None:
    dept, record = public_penalty(session, keyring)
    objection = file(session, keyring, settings, payload(record=record)).objection
    late_day = objection.decide_due_on + dt.timedelta(days=1)
    assert repository.overdue(session, objection.accept_due_on) == []
    assert repository.overdue(session, objection.accept_due_on + dt.timedelta(days=1)) == [objection]
    assert decisions.is_overdue(objection, late_day)
    assert repository.overdue(session, late_day, dept.id) == [objection]
    verifying(session, objection, today=late_day)
    assert objection.accepted_late
    decisions.reject(session, CREDIT_OFFICE, objection, reason="信息无误", today=late_day)
    assert objection.decided_late and decisions.is_overdue(objection, late_day)
    assert "超过处理期限" in repository.history(session, objection.id)[-1].reason
    assert "处理期限届满后作出" in repository.notices_of(session, objection.id)[-1].body
    assert repository.overdue(session, late_day) == []
