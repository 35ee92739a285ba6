"""Transition tables: every ordered pair of states of users and API keys, on both databases."""

from __future__ import annotations

import itertools
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, User
from xinyong.accounts.states import ApiKeyStatus, Role, UserStatus, api_key_machine, user_machine
from xinyong.audit.models import AuditEvent, StateTransition
from xinyong.errors import IllegalTransition
from xinyong.statemachine import StateMachine

# The expected tables, written out by hand so a change to states.py has to be made on purpose.
USER_ALLOWED = {(UserStatus.ACTIVE, UserStatus.DISABLED), (UserStatus.DISABLED, UserStatus.ACTIVE)}
API_KEY_ALLOWED = {(ApiKeyStatus.ACTIVE, ApiKeyStatus.REVOKED)}
USER_LABELS = {UserStatus.ACTIVE: "启用", UserStatus.DISABLED: "停用"}
API_KEY_LABELS = {ApiKeyStatus.ACTIVE: "有效", ApiKeyStatus.REVOKED: "已吊销"}

_serial = itertools.count(1)


def _user(session: Session, status: UserStatus) -> User:
    # A plausible hash; these tests are about status, not passwords (argon2 would only slow them down).
    user = User(username=f"sm{next(_serial)}", display_name="状态测试", password_hash="$argon2id$not-used",
                role=Role.CREDIT_OFFICE_ADMIN, status=status)
    session.add(user)
    session.flush()
    return user


def _api_key(session: Session, status: ApiKeyStatus) -> ApiKey:
    n = next(_serial)
    key = ApiKey(name=f"状态测试{n}", prefix="xy_test", key_hash=f"{n:064d}", role=Role.BUSINESS_SYSTEM,
                 status=status)
    session.add(key)
    session.flush()
    return key


MACHINES: dict[str, tuple[StateMachine[Any], type[StrEnum], set[tuple[Any, Any]], dict[Any, str], Any]] = {
    "user": (user_machine, UserStatus, USER_ALLOWED, USER_LABELS, _user),
    "api_key": (api_key_machine, ApiKeyStatus, API_KEY_ALLOWED, API_KEY_LABELS, _api_key),
}
CASES = [
    pytest.param(name, a, b, id=f"{name}:{a}->{b}")
    for name, (_, enum, _, _, _) in MACHINES.items()
    for a, b in itertools.product(list(enum), repeat=2)
]


def _history(session: Session, entity_type: str, entity_id: int) -> list[StateTransition]:
    return list(session.scalars(select(StateTransition).where(
        StateTransition.entity_type == entity_type, StateTransition.entity_id == str(entity_id))))


def _events(session: Session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))))


@pytest.mark.parametrize("name", list(MACHINES))
def test_tables_name_every_state_and_only_the_expected_moves(name: str) -> None:
    machine, enum, allowed, labels, _ = MACHINES[name]
    assert machine.entity_type == name
    assert set(machine.states()) == set(enum)
    assert {(a, b) for a, b in itertools.product(list(enum), repeat=2) if machine.can(a, b)} == allowed
    assert {s: machine.label(s) for s in enum} == labels


@pytest.mark.parametrize("name, from_state, to_state", CASES)
def test_every_ordered_pair(session: Session, name: str, from_state: Any, to_state: Any) -> None:
    machine, _, allowed, labels, make = MACHINES[name]
    entity = make(session, from_state)
    # Reload from the database so the status is what storage gives back, not the object we set.
    session.expire(entity)
    assert entity.status == from_state
    audit_before = len(_events(session, name, entity.id))

    if (from_state, to_state) in allowed:
        history = machine.transition(session, entity, to_state, actor="tester:1", reason="测试原因")
        session.expire_all()
        assert session.get(type(entity), entity.id).status == to_state
        rows = _history(session, name, entity.id)
        assert len(rows) == 1
        row = rows[0]
        assert row.id == history.id
        assert (row.entity_type, row.entity_id, row.from_state, row.to_state, row.actor, row.reason) == (
            name, str(entity.id), str(from_state), str(to_state), "tester:1", "测试原因")
        assert row.occurred_at is not None and row.occurred_at.tzinfo is not None
        events = _events(session, name, entity.id)
        assert len(events) == audit_before + 1
        event = events[-1]
        assert event.action == f"{name}.{to_state}"
        assert event.actor == "tester:1"
        assert event.detail == {"from": str(from_state), "to": str(to_state), "reason": "测试原因"}
    else:
        with pytest.raises(IllegalTransition) as info:
            machine.transition(session, entity, to_state, actor="tester:1", reason="不应发生")
        err = info.value
        assert err.code == "illegal_transition"
        assert err.status == 409
        assert err.message == f"不允许的状态变更：{labels[from_state]} → {labels[to_state]}"
        assert err.to_dict() == {"error": "illegal_transition", "detail": err.message}
        assert entity.status == from_state
        session.flush()
        session.expire_all()
        assert session.get(type(entity), entity.id).status == from_state
        assert _history(session, name, entity.id) == []
        assert len(_events(session, name, entity.id)) == audit_before


def test_a_user_can_go_back_and_forth_and_each_move_is_recorded(session: Session) -> None:
    user = _user(session, UserStatus.ACTIVE)
    user_machine.transition(session, user, UserStatus.DISABLED, actor="a", reason="离职")
    user_machine.transition(session, user, UserStatus.ACTIVE, actor="b")
    with pytest.raises(IllegalTransition):
        user_machine.transition(session, user, UserStatus.ACTIVE, actor="c")
    rows = sorted(_history(session, "user", user.id), key=lambda r: r.id)
    assert [(r.from_state, r.to_state, r.actor, r.reason) for r in rows] == [
        ("active", "disabled", "a", "离职"), ("disabled", "active", "b", None)]
    assert sorted(e.action for e in _events(session, "user", user.id)) == ["user.active", "user.disabled"]


def test_a_revoked_api_key_stays_revoked(session: Session) -> None:
    key = _api_key(session, ApiKeyStatus.ACTIVE)
    api_key_machine.transition(session, key, ApiKeyStatus.REVOKED, actor="a")
    for target in ApiKeyStatus:
        with pytest.raises(IllegalTransition, match="已吊销"):
            api_key_machine.transition(session, key, target, actor="a")
    assert key.status == ApiKeyStatus.REVOKED
    assert len(_history(session, "api_key", key.id)) == 1


# --- a tiny table defined here ---------------------------------------------------------------


class Light(StrEnum):
    RED = "red"
    GREEN = "green"
    YELLOW = "yellow"
    BROKEN = "broken"  # only ever a target


light_machine: StateMachine[Light] = StateMachine(
    "light",
    {Light.RED: {Light.GREEN, Light.BROKEN}, Light.GREEN: {Light.YELLOW}, Light.YELLOW: {Light.RED}},
    {Light.RED: "红灯", Light.GREEN: "绿灯"},
)


def test_states_lists_sources_and_targets_once_each() -> None:
    states = light_machine.states()
    assert sorted(states) == sorted(Light)
    assert len(states) == len(set(states))
    assert states[0] is Light.RED
    assert StateMachine("empty", {}).states() == []


@pytest.mark.parametrize("a, b, ok", [
    (Light.RED, Light.GREEN, True), (Light.RED, Light.BROKEN, True), (Light.GREEN, Light.YELLOW, True),
    (Light.YELLOW, Light.RED, True), (Light.RED, Light.YELLOW, False), (Light.GREEN, Light.RED, False),
    (Light.RED, Light.RED, False), (Light.BROKEN, Light.RED, False), (Light.BROKEN, Light.BROKEN, False),
])
def test_can_follows_the_table(a: Light, b: Light, ok: bool) -> None:
    assert light_machine.can(a, b) is ok
    assert light_machine.can(str(a), str(b)) is ok  # type: ignore[arg-type]  # as read back from storage


def test_labels_fall_back_to_the_value() -> None:
    assert light_machine.label(Light.RED) == "红灯"
    assert light_machine.label(Light.YELLOW) == "yellow"
    with pytest.raises(IllegalTransition, match="不允许的状态变更：yellow → 绿灯"):
        light_machine.check(Light.YELLOW, Light.GREEN)
    light_machine.check(Light.GREEN, Light.YELLOW)  # allowed: no error


def test_transition_of_another_field_writes_history(session: Session) -> None:
    lamp = SimpleNamespace(id=987654, phase=Light.RED)
    history = light_machine.transition(session, lamp, Light.GREEN, actor="t", field="phase")
    assert lamp.phase is Light.GREEN
    assert (history.entity_type, history.entity_id, history.from_state, history.to_state) == (
        "light", "987654", "red", "green")
    with pytest.raises(IllegalTransition):
        light_machine.transition(session, lamp, Light.RED, actor="t", field="phase")
    assert lamp.phase is Light.GREEN
    count = session.scalar(select(func.count()).select_from(StateTransition).where(
        StateTransition.entity_type == "light", StateTransition.entity_id == "987654"))
    assert count == 1
    assert [e.action for e in _events(session, "light", 987654)] == ["light.green"]
