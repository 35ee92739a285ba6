"""Objection deadlines in working days on the statutory calendar: National Day and Spring Festival 2026."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.lists.builders import CREDIT_OFFICE
from tests.objections.builders import file, payload, public_penalty
from xinyong.calendar import get_default_calendar
from xinyong.objections import decisions, repository

D = dt.date


@pytest.mark.parametrize(("decided", "submitted", "accept_due", "decide_due", "extended_due"), [
    # Wed 30 Sep: 1–7 Oct National Day; Sat 10 Oct is a working day (调休), Sun 11 Oct is not.
    (D(2026, 9, 1), D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 13), D(2026, 11, 3)),
    # Filed on a holiday (Sat 3 Oct): the first working day after it is day 1.
    (D(2026, 9, 1), D(2026, 10, 3), D(2026, 10, 8), D(2026, 10, 13), D(2026, 11, 3)),
    # Fri 13 Feb: Sat 14 Feb is a working day (调休), 15–23 Feb Spring Festival, Sat 28 Feb works too.
    (D(2026, 1, 5), D(2026, 2, 13), D(2026, 2, 14), D(2026, 2, 27), D(2026, 3, 19)),
    (D(2026, 1, 5), D(2026, 2, 15), D(2026, 2, 24), D(2026, 2, 28), D(2026, 3, 20)),
])
def test_deadlines_skip_holidays_and_count_adjusted_working_days(
        session: Session, keyring, settings, decided, submitted, accept_due, decide_due, extended_due) -> None:
    calendar = get_default_calendar()
    _, record = public_penalty(session, keyring, decided=decided)
    objection = file(session, keyring, settings, payload(record=record), today=submitted, calendar=calendar).objection
    assert (objection.submitted_on, objection.accept_due_on, objection.decide_due_on) == (submitted, accept_due,
                                                                                         decide_due)
    decisions.accept(session, CREDIT_OFFICE, objection, today=accept_due)
    assert not objection.accepted_late
    decisions.extend(session, settings, calendar, CREDIT_OFFICE, objection, reason="需补充调查")
    assert objection.decide_due_on == extended_due


def test_accept_deadline_passes_over_national_day(session: Session, keyring, settings) -> None:
    calendar = get_default_calendar()
    _, record = public_penalty(session, keyring, decided=D(2026, 9, 1))
    objection = file(session, keyring, settings, payload(record=record), today=D(2026, 9, 30),
                     calendar=calendar).objection
    for day in (D(2026, 10, 1), D(2026, 10, 7), D(2026, 10, 8)):
        assert not decisions.is_overdue(objection, day), day
        assert repository.overdue(session, day) == []
    assert repository.overdue(session, D(2026, 10, 9)) == [objection]
    decisions.accept(session, CREDIT_OFFICE, objection, today=D(2026, 10, 9))
    assert objection.accepted_late and "超过受理期限" in repository.history(session, objection.id)[-1].reason


def test_settings_change_the_deadlines(session: Session, keyring, settings) -> None:
    calendar = get_default_calendar()
    _, record = public_penalty(session, keyring, decided=D(2026, 9, 1))
    slower = settings.model_copy(update={"objection_accept_days": 3, "objection_decide_days": 10})
    objection = file(session, keyring, slower, payload(record=record), today=D(2026, 9, 30),
                     calendar=calendar).objection
    assert objection.accept_due_on == D(2026, 10, 10)  # the Saturday that is a working day
    assert objection.decide_due_on == D(2026, 10, 20)
