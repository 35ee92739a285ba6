"""The objection status table: every pair via check(), and every pair as a real move through the service."""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.lists.builders import CREDIT_OFFICE
from tests.objections.builders import TODAY, file, payload, public_penalty
from xinyong.audit.models import AuditEvent, StateTransition
from xinyong.errors import IllegalTransition
from xinyong.objections import decisions
from xinyong.objections.states import OBJECTION_TRANSITIONS, ObjectionStatus, Remedy, objection_machine

S = ObjectionStatus
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Written out by hand so that a change to the table has to be made here too, on purpose.
ALLOWED = {
    (S.SUBMITTED, S.ACCEPTED), (S.SUBMITTED, S.NOT_ACCEPTED),
    (S.ACCEPTED, S.VERIFYING),
    (S.VERIFYING, S.UPHELD), (S.VERIFYING, S.REJECTED),
}
PAIRS = list(itertools.product(ObjectionStatus, repeat=2))


def pair_id(pair: tuple[object, object]) -> str:
    """Readable test id of a (from, to) pair."""
    return f"{pair[0]}->{pair[1]}"


def test_table_is_exactly_the_expected_one() -> None:
    assert {(a, b) for a, targets in OBJECTION_TRANSITIONS.items() for b in targets} == ALLOWED
    assert set(OBJECTION_TRANSITIONS) == set(ObjectionStatus) == set(objection_machine.states())
    for state in ObjectionStatus:
        assert CHINESE.search(objection_machine.label(state)), state


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_check_allows_exactly_the_table(pair) -> None:
    if pair in ALLOWED:
        objection_machine.check(*pair)
    else:
        with pytest.raises(IllegalTransition, match="不允许的状态变更"):
            objection_machine.check(*pair)


def _move(session: Session, objection, to: ObjectionStatus) -> None:
    if to is S.ACCEPTED:
        decisions.accept(session, CREDIT_OFFICE, objection, today=TODAY)
    elif to is S.NOT_ACCEPTED:
        decisions.not_accept(session, CREDIT_OFFICE, objection, reason="不属于异议受理范围", today=TODAY)
    elif to is S.VERIFYING:
        decisions.start_verifying(session, CREDIT_OFFICE, objection)
    elif to is S.UPHELD:
        decisions.uphold(session, CREDIT_OFFICE, objection, remedy=Remedy.REVOKE, reason="处罚决定已撤销", today=TODAY)
    else:
        decisions.reject(session, CREDIT_OFFICE, objection, reason="经核实信息无误", today=TODAY)


@pytest.mark.parametrize("pair", [p for p in PAIRS if p[1] is not S.SUBMITTED], ids=pair_id)
def test_every_pair_through_the_service(session: Session, keyring, settings, pair) -> None:
    start, to = pair
    _, record = public_penalty(session, keyring)
    objection = file(session, keyring, settings, payload(record=record)).objection
    objection.status = start  # placed directly: this test is about the move, not how the case got here
    session.flush()
    before = session.scalar(select(StateTransition.id).order_by(StateTransition.id.desc()).limit(1))
    if pair in ALLOWED:
        _move(session, objection, to)
        assert objection.status is to
        row = session.scalar(select(StateTransition).where(StateTransition.id > before,
                                                           StateTransition.entity_type == "objection"))
        assert (row.from_state, row.to_state) == (start.value, to.value)
        assert row.reason and row.actor == CREDIT_OFFICE.actor
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == f"objection.{to.value}",
                                                       AuditEvent.entity_id == str(objection.id)))
    else:
        with pytest.raises(IllegalTransition):
            _move(session, objection, to)
        assert objection.status is start and record.status.value == "effective"
        assert session.scalar(select(StateTransition.id).where(StateTransition.id > before)) is None
