"""Repair status table: every pair via check(), and the allowed and forbidden moves through the service."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from tests.lists.builders import CREDIT_OFFICE
from tests.repairs.builders import TODAY, apply, penalised, record_application
from xinyong.audit.models import AuditEvent, StateTransition
from xinyong.errors import IllegalTransition
from xinyong.repairs import decisions
from xinyong.repairs.states import REPAIR_TRANSITIONS, RepairStatus, repair_machine

R = RepairStatus
# Written out by hand so that a change to the table has to be made here too, on purpose.
ALLOWED = {
    (R.SUBMITTED, R.ACCEPTED), (R.SUBMITTED, R.REFUSED),
    (R.ACCEPTED, R.APPROVED), (R.ACCEPTED, R.REJECTED),
    (R.APPROVED, R.DONE),
}
PAIRS = list(itertools.product(RepairStatus, repeat=2))


def history(session, app_id: int) -> list[StateTransition]:
    return list(session.scalars(select(StateTransition).where(
        StateTransition.entity_type == "repair_application", StateTransition.entity_id == str(app_id))))


def pair_id(pair: tuple[object, object]) -> str:
    return f"{pair[0]}->{pair[1]}"


def test_table_is_exactly_the_allowed_pairs():
    table = {(a, b) for a, targets in REPAIR_TRANSITIONS.items() for b in targets}
    assert table == ALLOWED
    assert set(repair_machine.states()) == set(RepairStatus)


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_every_pair_is_allowed_or_refused_with_chinese_labels(pair):
    a, b = pair
    if pair in ALLOWED:
        repair_machine.check(a, b)
        return
    with pytest.raises(IllegalTransition) as err:
        repair_machine.check(a, b)
    assert repair_machine.label(a) in err.value.message and repair_machine.label(b) in err.value.message


ACTIONS = {
    R.ACCEPTED: lambda s, app: decisions.accept(s, CREDIT_OFFICE, app, today=TODAY),
    R.REFUSED: lambda s, app: decisions.refuse(s, CREDIT_OFFICE, app, reason="材料不全", today=TODAY),
    R.APPROVED: lambda s, app: decisions.approve(s, CREDIT_OFFICE, app, today=TODAY),
    R.REJECTED: lambda s, app: decisions.reject(s, CREDIT_OFFICE, app, reason="未纠正失信行为", today=TODAY),
}
PATH_TO = {R.SUBMITTED: [], R.ACCEPTED: [R.ACCEPTED], R.REFUSED: [R.REFUSED], R.REJECTED: [R.ACCEPTED, R.REJECTED],
           R.DONE: [R.ACCEPTED, R.APPROVED]}


@pytest.mark.parametrize("pair", [(a, b) for a in PATH_TO for b in ACTIONS], ids=pair_id)
def test_service_moves_follow_the_table(session, keyring, settings, pair):
    start, target = pair
    _, subject, record = penalised(session, keyring)
    app = apply(session, keyring, settings, record_application(record, subject))
    for step in PATH_TO[start]:
        ACTIONS[step](session, app)
    assert app.status is start
    before = history(session, app.id)
    if (start, target) in ALLOWED:
        ACTIONS[target](session, app)
        expected = R.DONE if target is R.APPROVED else target  # approval completes the repair at once
        assert app.status is expected
        moves = history(session, app.id)
        assert moves[-1].to_state == expected and len(moves) > len(before)
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == f"repair_application.{expected}",
                                                      AuditEvent.entity_id == str(app.id))) is not None
    else:
        with pytest.raises(IllegalTransition):
            with session.begin_nested():
                ACTIONS[target](session, app)
        session.refresh(app)
        assert app.status is start
