"""Explicit status-transition tables shared by every workflow."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from xinyong.audit.models import StateTransition
from xinyong.audit.service import record_event, record_events
from xinyong.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)


class StateMachine(Generic[S]):
    """A transition table for one kind of entity and the one way to move along it."""

    def __init__(self, entity_type: str, transitions: Mapping[S, frozenset[S] | set[S]], labels: Mapping[S, str] | None = None) -> None:
        self.entity_type = entity_type
        self.transitions = {state: frozenset(targets) for state, targets in transitions.items()}
        self.labels = dict(labels or {})

    def states(self) -> list[S]:
        """Every state named in the table."""
        seen: dict[S, None] = {}
        for state, targets in self.transitions.items():
            seen[state] = None
            seen.update(dict.fromkeys(targets))
        return list(seen)

    def can(self, from_state: S, to_state: S) -> bool:
        """True when the table allows this move."""
        return to_state in self.transitions.get(from_state, frozenset())

    def check(self, from_state: S, to_state: S) -> None:
        """Raise IllegalTransition unless the move is allowed."""
        if not self.can(from_state, to_state):
            raise IllegalTransition(
                f"不允许的状态变更：{self.label(from_state)} → {self.label(to_state)}",
            )

    def label(self, state: S) -> str:
        """Chinese name of a state."""
        return self.labels.get(state, str(state))

    def transition(
        self,
        session: Session,
        entity: Any,
        to_state: S,
        *,
        actor: str,
        reason: str | None = None,
        field: str = "status",
    ) -> StateTransition:
        """Check the move, apply it, and write a history row and an audit event."""
        from_state = getattr(entity, field)
        self.check(from_state, to_state)
        setattr(entity, field, to_state)
        session.flush()
        history = StateTransition(
            entity_type=self.entity_type,
            entity_id=str(entity.id),
            from_state=str(from_state),
            to_state=str(to_state),
            actor=actor,
            reason=reason,
        )
        session.add(history)
        record_event(
            session,
            actor=actor,
            action=f"{self.entity_type}.{to_state}",
            entity_type=self.entity_type,
            entity_id=entity.id,
            detail={"from": str(from_state), "to": str(to_state), "reason": reason},
        )
        session.flush()
        return history

    def record_many(
        self, session: Session, entity_ids: list[int], from_state: S, to_state: S, *, actor: str,
        reason: str | None = None,
    ) -> None:
        """History and audit rows for a bulk move already applied by one set-based UPDATE."""
        self.check(from_state, to_state)
        if not entity_ids:
            return
        from sqlalchemy import insert

        from xinyong.db import utcnow

        now = utcnow()
        session.execute(insert(StateTransition), [
            {"entity_type": self.entity_type, "entity_id": str(i), "from_state": str(from_state),
             "to_state": str(to_state), "occurred_at": now, "actor": actor, "reason": reason}
            for i in entity_ids
        ])
        record_events(session, [
            {"occurred_at": now, "actor": actor, "action": f"{self.entity_type}.{to_state}",
             "entity_type": self.entity_type, "entity_id": str(i),
             "detail": {"from": str(from_state), "to": str(to_state), "reason": reason}}
            for i in entity_ids
        ])
