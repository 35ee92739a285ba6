"""Check statistics per department and month: the figures, month boundaries in Beijing time, scope."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import company
from tests.lists.builders import CREDIT_OFFICE
from tests.lists.test_tasks import listed
from tests.records.builders import clerk_of, department, weekends_calendar
from xinyong.accounts.errors import NotAllowed
from xinyong.lists.states import EntryStatus
from xinyong.measures import feedback, service, statistics
from xinyong.measures.errors import InvalidMonth
from xinyong.measures.feedback import FeedbackIn
from xinyong.measures.models import CreditCheck
from xinyong.measures.schemas import CheckIn, SubjectQuery

MAY = dt.date(2026, 5, 11)
LISTED = dt.date(2026, 1, 5)
TODAY = dt.date(2026, 6, 10)  # after every May due date, before the June check's


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def check_at(session, keyring, dept, firm, moment: dt.datetime, matter: str = "政府采购") -> CreditCheck:
    """A check answered on moment's day, stored at that moment."""
    out = service.check(session, keyring, weekends_calendar(), clerk_of(dept), dept.id,
                        CheckIn(subject=SubjectQuery(code=firm.uscc), matter=matter), today=moment.date())
    row = session.get(CreditCheck, out.check_id)
    row.checked_at = moment
    session.flush()
    return row


def answer(session, dept, row: CreditCheck, *applied: str, typical: bool = False) -> None:
    feedback.submit(session, clerk_of(dept), row.id, FeedbackIn(measures_applied=list(applied), outcome="已实施",
                                                                note="已依法实施", typical=typical))


@pytest.fixture()
def figures(session, keyring):
    """Two departments' checks in May and June 2026 (Beijing time)."""
    a, b = department(session, "漳州市公共资源交易中心"), department(session, "漳州市财政局")
    black, both, clean, paused = (company(session) for _ in range(4))
    listed(session, "procurement_serious", black, a, LISTED)
    listed(session, "market_serious_violation", both, a, LISTED)
    listed(session, "procurement_watch", both, a, LISTED)
    listed(session, "tax_major_violation", paused, a, LISTED, status=EntryStatus.SUSPENDED)
    first = check_at(session, keyring, a, black, utc(2026, 4, 30, 16, 0))  # 2026-05-01 00:00 in Beijing
    answer(session, a, first, "restrict_procurement", typical=True)
    second = check_at(session, keyring, a, both, utc(2026, 5, 12, 2, 0))
    answer(session, a, second, "restrict_procurement", "watch_procurement_caution")
    check_at(session, keyring, a, black, utc(2026, 5, 20, 9, 0))  # no feedback, overdue by TODAY
    check_at(session, keyring, a, clean, utc(2026, 5, 21, 9, 0))
    check_at(session, keyring, a, paused, utc(2026, 5, 22, 9, 0))  # hit, but suspended: no measures
    check_at(session, keyring, a, black, utc(2026, 4, 30, 15, 59))  # April in Beijing
    check_at(session, keyring, b, clean, utc(2026, 5, 15, 3, 0))
    check_at(session, keyring, a, black, utc(2026, 5, 31, 16, 30))  # 2026-06-01 00:30 in Beijing, not yet due
    return a, b


def row_of(out: statistics.StatisticsOut, month: str, dept) -> statistics.CheckStats:
    return next(r for r in out.rows if r.month == month and r.department == dept.uscc)


def test_figures_per_department_and_month(session, figures) -> None:
    a, b = figures
    out = statistics.check_statistics(session, CREDIT_OFFICE, months=["2026-05", "2026-06", "2026-04"], today=TODAY)
    assert out.months == ["2026-06", "2026-05", "2026-04"]
    assert [(r.month, r.department_name) for r in out.rows] == [
        ("2026-06", "漳州市公共资源交易中心"), ("2026-05", "漳州市公共资源交易中心"), ("2026-05", "漳州市财政局"),
        ("2026-04", "漳州市公共资源交易中心")]
    may = row_of(out, "2026-05", a)
    assert (may.checks, may.hits, may.with_measures, may.feedbacks) == (5, 4, 3, 2)
    assert (may.measures_applied, may.overdue, may.typical) == (3, 1, 1)
    assert may.feedback_rate == pytest.approx(0.6667)
    other = row_of(out, "2026-05", b)
    assert (other.checks, other.hits, other.with_measures, other.feedback_rate) == (1, 0, 0, None)
    june = row_of(out, "2026-06", a)
    assert (june.checks, june.with_measures, june.feedbacks, june.overdue, june.feedback_rate) == (1, 1, 0, 0, 0.0)
    assert row_of(out, "2026-04", a).checks == 1
    total = out.total
    assert (total.department, total.department_name, total.month) == (None, "合计", "2026-04 至 2026-06")
    assert (total.checks, total.hits, total.with_measures, total.feedbacks) == (8, 6, 5, 2)
    assert (total.measures_applied, total.typical, total.feedback_rate) == (3, 1, 0.4)
    assert total.overdue == 2  # the unanswered May check and the April one


def test_a_department_sees_its_own_and_the_credit_office_can_filter(session, figures) -> None:
    a, b = figures
    mine = statistics.check_statistics(session, clerk_of(b), months=["2026-05"], today=TODAY)
    assert [r.department for r in mine.rows] == [b.uscc] and mine.total.checks == 1 and mine.total.month == "2026-05"
    one = statistics.check_statistics(session, CREDIT_OFFICE, months=["2026-05"], today=TODAY, department_id=a.id)
    assert [r.department for r in one.rows] == [a.uscc]
    with pytest.raises(NotAllowed):
        statistics.check_statistics(session, clerk_of(b), months=["2026-05"], today=TODAY, department_id=a.id)
    empty = statistics.check_statistics(session, CREDIT_OFFICE, months=["2025-01"], today=TODAY)
    assert empty.rows == [] and empty.total.checks == 0 and empty.total.feedback_rate is None


def test_months() -> None:
    assert statistics.recent_months(dt.date(2026, 1, 31), 3) == ["2026-01", "2025-12", "2025-11"]
    assert statistics.month_bounds("2026-12") == (utc(2026, 11, 30, 16), utc(2026, 12, 31, 16))
    assert statistics.parse_month(" 2026-06 ") == dt.date(2026, 6, 1)
    for bad in ("2026-13", "2026-6", "202606", "1999-01", "六月"):
        with pytest.raises(InvalidMonth, match="YYYY-MM"):
            statistics.parse_month(bad)
