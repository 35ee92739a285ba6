"""Deciding: deadlines in working days around 2026 holidays, overdue marks, rule selection by date, notices."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.lists.builders import CREDIT_OFFICE
from tests.records.builders import clerk_of, department
from tests.repairs.builders import TODAY, apply, penalised, record_application
from xinyong.accounts.errors import NotAllowed
from xinyong.calendar import get_default_calendar
from xinyong.repairs import decisions, repository
from xinyong.repairs.errors import InvalidRepair
from xinyong.repairs.states import NoticeKind, RepairStatus

STATUTORY = get_default_calendar()  # chinese-calendar: 2026 holidays and 调休 working days



@pytest.mark.parametrize("submitted, accept_by, decide_by", [
    # National Day 10-01..10-07; Saturday 10-10 is a 调休 working day.
    (dt.date(2026, 9, 29), dt.date(2026, 10, 9), dt.date(2026, 10, 19)),
    (dt.date(2026, 10, 1), dt.date(2026, 10, 10), dt.date(2026, 10, 20)),
    # Spring Festival 02-15..02-23; Saturdays 02-14 and 02-28 are 调休 working days.
    (dt.date(2026, 2, 12), dt.date(2026, 2, 24), dt.date(2026, 3, 4)),
])
def test_deadlines_are_counted_in_statutory_working_days(session, keyring, settings, submitted, accept_by,
                                                         decide_by):
    _, subject, record = penalised(session, keyring, decided=dt.date(2025, 10, 9))
    app = apply(session, keyring, settings, record_application(record, subject), on=submitted,
                calendar=STATUTORY)
    assert (app.accept_due_on, app.decide_due_on) == (accept_by, decide_by)


def test_application_is_judged_by_the_rule_set_in_force_on_its_submission_date(session, keyring, settings):
    dept, first, old_record = penalised(session, keyring, decided=dt.date(2025, 6, 2))
    _, second, new_record = penalised(session, keyring, decided=dt.date(2025, 6, 2), name="漳州市第二食品有限公司",
                                      dept=dept)
    before = apply(session, keyring, settings, record_application(old_record, first), on=dt.date(2026, 3, 31))
    after = apply(session, keyring, settings, record_application(new_record, second), on=dt.date(2026, 4, 1))
    assert before.rule_effective_on == dt.date(2023, 5, 1) and "2023年第58号" in before.rule_citation
    assert after.rule_effective_on == dt.date(2026, 4, 1) and "2025年第36号" in after.rule_citation
    decisions.accept(session, CREDIT_OFFICE, before, today=dt.date(2026, 4, 1))
    decisions.approve(session, CREDIT_OFFICE, before, today=dt.date(2026, 4, 2))
    decision = [n for n in repository.notices_of(session, before.id) if n.kind is NoticeKind.APPROVAL][0]
    assert "失信行为纠正后的信用信息修复管理办法（试行）" in decision.body and before.rule_article in decision.body


def test_late_decisions_are_possible_but_marked_overdue(session, keyring, settings):
    _, subject, record = penalised(session, keyring)
    app = apply(session, keyring, settings, record_application(record, subject))
    decisions.accept(session, CREDIT_OFFICE, app, today=app.accept_due_on + dt.timedelta(days=1))
    assert app.accept_overdue and not app.decide_overdue
    decisions.approve(session, CREDIT_OFFICE, app, today=app.decide_due_on + dt.timedelta(days=1))
    assert app.decide_overdue and app.status is RepairStatus.DONE
    assert "逾期" in repository.history_of(session, app.id)[0].reason


def test_overdue_job_marks_once_and_is_idempotent(session, keyring, settings):
    _, subject, record = penalised(session, keyring)
    app = apply(session, keyring, settings, record_application(record, subject))
    assert repository.mark_overdue(session, app.accept_due_on) == 0
    assert repository.mark_overdue(session, app.accept_due_on + dt.timedelta(days=1)) == 1
    assert repository.mark_overdue(session, app.decide_due_on + dt.timedelta(days=1)) == 1
    assert repository.mark_overdue(session, app.decide_due_on + dt.timedelta(days=1)) == 0
    session.refresh(app)
    assert app.accept_overdue and app.decide_overdue


def test_notices_are_numbered_and_give_reasons(session, keyring, settings):
    dept, subject, record = penalised(session, keyring)
    app = apply(session, keyring, settings, record_application(record, subject))
    with pytest.raises(InvalidRepair, match="理由"):
        decisions.refuse(session, CREDIT_OFFICE, app, reason="  ", today=TODAY)
    refusal = decisions.refuse(session, CREDIT_OFFICE, app, reason="证明材料与处罚决定不符", today=TODAY)
    assert refusal.kind is NoticeKind.REFUSAL and refusal.number.startswith("信修不受〔")
    assert "证明材料与处罚决定不符" in refusal.body and app.open_key is None
    again = apply(session, keyring, settings, record_application(record, subject))  # may apply again
    accepted = decisions.accept(session, clerk_of(dept), again, today=TODAY)
    assert accepted.number.startswith("信修受〔") and str(again.decide_due_on) in accepted.body
    rejection = decisions.reject(session, clerk_of(dept), again, reason="罚款尚未缴清", today=TODAY)
    assert rejection.kind is NoticeKind.REJECTION and rejection.number != refusal.number


def test_only_the_source_department_or_the_credit_office_decides(session, keyring, settings):
    _, subject, record = penalised(session, keyring)
    app = apply(session, keyring, settings, record_application(record, subject))
    other = department(session, "漳州市生态环境局")
    with pytest.raises(NotAllowed):
        decisions.get_for(session, clerk_of(other), app.id)
    assert decisions.get_for(session, CREDIT_OFFICE, app.id) is app
