"""Feedback rules: only the department that asked, once, only returned measures, consistent outcome; follow-up
around the due date; typical cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.factories import company
from tests.lists.builders import CREDIT_OFFICE, DAY
from tests.lists.test_tasks import listed
from tests.records.builders import clerk_of, department, weekends_calendar
from xinyong.accounts.errors import NotAllowed
from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.audit.models import AuditEvent
from xinyong.measures import feedback, service
from xinyong.measures.errors import CheckNotFound, FeedbackExists, ForeignCheck, InvalidFeedback
from xinyong.measures.feedback import FeedbackIn
from xinyong.measures.models import CheckFeedback
from xinyong.measures.schemas import CheckIn, SubjectQuery

TODAY = DAY + dt.timedelta(days=30)  # Wednesday 2026-07-01
DUE = dt.date(2026, 7, 15)  # 10 working days later (weekends only)


def make_check(session, keyring, dept, subject, matter="政府采购", principal=None, today=TODAY):
    """A check for a company, by the department's clerk unless another principal is given."""
    return service.check(session, keyring, weekends_calendar(), principal or clerk_of(dept), dept.id,
                         CheckIn(subject=SubjectQuery(code=subject.uscc), matter=matter), today=today)


@pytest.fixture()
def setting(session, keyring):
    """A department, another one, and a check of the first on a black-listed company (one mandatory measure)."""
    dept, other = department(session), department(session, "漳州市财政局")
    firm = company(session, "漳州市反馈测试有限公司")
    listed(session, "procurement_serious", firm, dept, DAY)
    listed(session, "procurement_watch", firm, dept, DAY)
    out = make_check(session, keyring, dept, firm)
    assert [m.code for m in out.measures] == ["restrict_procurement", "watch_procurement_caution"]
    assert out.feedback_due_on == DUE
    return dept, other, firm, out


def body(*applied: str, outcome: str = "已实施", note: str | None = None, typical: bool = False) -> FeedbackIn:
    return FeedbackIn(measures_applied=list(applied), outcome=outcome, note=note, typical=typical)


def test_feedback_is_stored_with_an_audit_event(session, setting) -> None:
    dept, _, _, out = setting
    clerk = clerk_of(dept)
    row = feedback.submit(session, clerk, out.check_id, body("restrict_procurement", "restrict_procurement",
                                                             outcome="部分实施", note="  已取消投标资格  "))
    assert row.measures_applied == ["restrict_procurement"] and row.note == "已取消投标资格"
    assert row.outcome == "部分实施" and row.submitted_by == clerk.actor and not row.is_typical
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "check.feedback")).one()
    assert (event.actor, event.entity_type, event.entity_id) == (clerk.actor, "credit_check", str(out.check_id))
    assert event.detail["measures_applied"] == ["restrict_procurement"]


def test_only_the_department_that_asked_may_give_feedback(session, keyring, setting) -> None:
    dept, other, firm, out = setting
    with pytest.raises(ForeignCheck) as caught:
        feedback.submit(session, clerk_of(other), out.check_id, body("restrict_procurement"))
    assert caught.value.status == 403 and "其他部门" in caught.value.message
    with pytest.raises(ForeignCheck):
        feedback.submit(session, CREDIT_OFFICE, out.check_id, body("restrict_procurement"))
    with pytest.raises(NotAllowed):
        feedback.submit(session, clerk_of(dept, Role.REVIEWER), out.check_id, body("restrict_procurement"))
    system = Principal("api_key", 77, "采购系统", Role.BUSINESS_SYSTEM, dept.id)
    assert feedback.submit(session, system, out.check_id, body("restrict_procurement")).check_id == out.check_id
    office = make_check(session, keyring, dept, firm, principal=CREDIT_OFFICE)
    assert feedback.submit(session, CREDIT_OFFICE, office.check_id, body("restrict_procurement")).id
    with pytest.raises(CheckNotFound):
        feedback.submit(session, clerk_of(dept), 987_654_321, body())


def test_feedback_is_given_once(session, setting) -> None:
    dept, _, _, out = setting
    feedback.submit(session, clerk_of(dept), out.check_id, body("restrict_procurement"))
    with pytest.raises(FeedbackExists) as caught:
        feedback.submit(session, clerk_of(dept), out.check_id, body("restrict_procurement"))
    assert caught.value.status == 409 and "重复" in caught.value.message
    assert len(session.scalars(select(CheckFeedback)).all()) == 1


def test_measures_must_be_among_those_returned(session, setting) -> None:
    dept, _, _, out = setting
    with pytest.raises(InvalidFeedback) as caught:
        feedback.submit(session, clerk_of(dept), out.check_id, body("restrict_procurement", "revoke_honours"))
    assert caught.value.status == 422 and "revoke_honours" in caught.value.message
    assert "restrict_procurement、watch_procurement_caution" in caught.value.message


@pytest.mark.parametrize(("given", "fragment"), [
    (body(outcome="已实施"), "须列出已实施的措施"),
    (body("restrict_procurement", outcome="未实施", note="x"), "不应列出"),
    (body("watch_procurement_caution", outcome="部分实施"), "未实施强制性措施（限制参与政府采购活动）"),
    (body(outcome="不适用"), "须在 note 中说明理由"),
    (body("restrict_procurement", typical=True), "典型案例"),
])
def test_outcome_must_fit_the_measures(session, setting, given, fragment) -> None:
    dept, _, _, out = setting
    with pytest.raises(InvalidFeedback) as caught:
        feedback.submit(session, clerk_of(dept), out.check_id, given)
    assert fragment in caught.value.message
    assert session.scalars(select(CheckFeedback)).all() == []


def test_skipping_a_mandatory_measure_with_a_reason_and_no_measures_without_one(session, keyring, setting) -> None:
    dept, _, _, out = setting
    ok = feedback.submit(session, clerk_of(dept), out.check_id, body(outcome="不适用", note="采购项目已终止"))
    assert ok.outcome == "不适用" and ok.measures_applied == []
    clean = make_check(session, keyring, dept, company(session))
    assert clean.measures == []
    assert feedback.submit(session, clerk_of(dept), clean.check_id, body(outcome="不适用")).note is None


def test_follow_up_lists_checks_past_their_due_date(session, keyring, setting) -> None:
    dept, other, firm, out = setting
    make_check(session, keyring, dept, company(session))  # no measures: no feedback expected
    clerk = clerk_of(dept)
    assert feedback.follow_up(session, clerk, DUE).total == 0  # due today: not yet overdue
    late = feedback.follow_up(session, clerk, DUE + dt.timedelta(days=1))
    assert late.total == 1 and late.items[0].check_id == out.check_id and late.items[0].overdue_days == 1
    brief = late.items[0]
    assert (brief.department, brief.subject_name, brief.subject_code) == (dept.uscc, firm.name, firm.uscc)
    assert brief.measure_codes == ["restrict_procurement", "watch_procurement_caution"]
    assert feedback.follow_up(session, clerk_of(other), DUE + dt.timedelta(days=1)).total == 0
    assert feedback.follow_up(session, CREDIT_OFFICE, DUE + dt.timedelta(days=5)).items[0].overdue_days == 5
    assert feedback.follow_up(session, CREDIT_OFFICE, DUE + dt.timedelta(1), department_id=other.id).total == 0
    with pytest.raises(NotAllowed):
        feedback.follow_up(session, clerk, DUE, department_id=other.id)
    feedback.submit(session, clerk, out.check_id, body("restrict_procurement"))
    assert feedback.follow_up(session, CREDIT_OFFICE, DUE + dt.timedelta(days=30)).total == 0


def test_follow_up_pages_oldest_due_first(session, keyring, setting) -> None:
    dept, _, firm, out = setting
    earlier = make_check(session, keyring, dept, firm, today=TODAY - dt.timedelta(days=7))
    page = feedback.follow_up(session, CREDIT_OFFICE, DUE + dt.timedelta(days=1), limit=1)
    assert page.total == 2 and [c.check_id for c in page.items] == [earlier.check_id]
    second = feedback.follow_up(session, CREDIT_OFFICE, DUE + dt.timedelta(days=1), offset=1, limit=1)
    assert [c.check_id for c in second.items] == [out.check_id]


def test_typical_cases_are_listed_for_their_department(session, keyring, setting) -> None:
    dept, other, firm, out = setting
    feedback.submit(session, clerk_of(dept), out.check_id,
                    body("restrict_procurement", note="某公司在黑名单有效期内参与投标，已依法取消其中标资格。", typical=True))
    plain = make_check(session, keyring, dept, firm)
    feedback.submit(session, clerk_of(dept), plain.check_id, body("restrict_procurement", note="已实施"))
    cases = feedback.typical_cases(session, clerk_of(dept))
    assert cases.total == 1 and cases.items[0].check.check_id == out.check_id
    assert cases.items[0].feedback.typical and "取消其中标资格" in cases.items[0].feedback.note
    assert feedback.typical_cases(session, CREDIT_OFFICE).total == 1
    assert feedback.typical_cases(session, clerk_of(other)).total == 0
