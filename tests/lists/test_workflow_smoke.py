"""The main path of an entry: propose, notify, approve, exit with announcement; persons need notice."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import company, make_resident_id, person
from tests.lists.builders import CREDIT_OFFICE, DAY, proposal, recogniser
from tests.records.builders import weekends_calendar
from xinyong.lists import exits, repository, service
from xinyong.lists.definitions import ExitReason
from xinyong.lists.errors import CrossCheckConflict, DueProcessMissing, DuplicateEntry
from xinyong.lists.states import EntryStatus
from xinyong.records.models import ChangeEvent


def test_company_black_entry_goes_effective_after_objection_window_and_exits_with_announcement(session, keyring):
    cal = weekends_calendar()
    dept, clerk = recogniser(session, "market_serious_violation")
    subject = company(session)
    entry = service.propose(session, keyring, cal, clerk, dept, proposal("market_serious_violation", subject))
    assert entry.status is EntryStatus.PROPOSED
    assert entry.valid_until == dt.date(2029, 5, 31)
    with pytest.raises(DueProcessMissing):
        service.approve(session, CREDIT_OFFICE, entry, today=DAY)
    service.record_notice(session, cal, clerk, entry, notice_text="拟列入告知书", delivered_on=DAY)
    assert entry.objection_until == dt.date(2026, 6, 8)  # 5 working days
    with pytest.raises(DueProcessMissing):
        service.approve(session, CREDIT_OFFICE, entry, today=dt.date(2026, 6, 8))
    service.approve(session, CREDIT_OFFICE, entry, today=dt.date(2026, 6, 9))
    assert entry.status is EntryStatus.EFFECTIVE
    exits.exit_by(session, clerk, entry, ExitReason.REPAIRED, note="已履行处罚义务")
    assert entry.status is EntryStatus.EXITED
    announcement = repository.announcement_of(session, entry.id)
    assert announcement.number.startswith("退出公告〔") and "信用修复" in announcement.body
    kinds = [str(e.kind) for e in session.query(ChangeEvent).filter_by(list_entry_id=entry.id).order_by(ChangeEvent.id)]
    assert kinds == ["list.proposed", "list.notified", "list.effective", "list.exited"]


def test_person_cannot_be_listed_without_notice_and_duplicates_are_refused(session, keyring):
    cal = weekends_calendar()
    dept, clerk = recogniser(session, "tax_a_grade", "tax_major_violation", name="国家税务总局漳州市税务局")
    number = make_resident_id()
    subject = person(session, keyring, number=number)
    entry = service.propose(session, keyring, cal, clerk, dept,
                            proposal("tax_major_violation", subject, document_number=number))
    assert entry.subject_masked_id and number not in entry.subject_masked_id
    with pytest.raises(DueProcessMissing, match="自然人须事前告知"):
        service.approve(session, CREDIT_OFFICE, entry, today=DAY + dt.timedelta(days=30))
    with pytest.raises(DuplicateEntry):
        service.propose(session, keyring, cal, clerk, dept, proposal("tax_major_violation", subject,
                                                                      document_number=number))


def test_red_refused_for_black_subject_and_black_removes_red(session, keyring):
    cal = weekends_calendar()
    dept, clerk = recogniser(session, "tax_a_grade", "tax_major_violation", name="国家税务总局漳州市税务局")
    subject = company(session)
    red = service.propose(session, keyring, cal, clerk, dept, proposal("tax_a_grade", subject, facts="A级"))
    service.approve(session, CREDIT_OFFICE, red, today=DAY)  # no notice needed for this red type
    black = service.propose(session, keyring, cal, clerk, dept, proposal("tax_major_violation", subject))
    service.record_notice(session, cal, clerk, black, notice_text="告知", delivered_on=DAY)
    assert [e.id for e in service.cross_check(session, black)] == [red.id]
    service.approve(session, CREDIT_OFFICE, black, today=dt.date(2026, 6, 10))
    assert red.status is EntryStatus.EXITED and red.exit_reason is ExitReason.CROSS_CHECK
    again = service.propose(session, keyring, cal, clerk, dept, proposal("tax_a_grade", subject, facts="A级 2026"))
    with pytest.raises(CrossCheckConflict):
        service.approve(session, CREDIT_OFFICE, again, today=DAY)
