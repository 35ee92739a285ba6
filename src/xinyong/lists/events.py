"""Every state change of an entry: history row, audit event and change-feed event, together."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.audit.models import StateTransition
from xinyong.audit.service import record_event
from xinyong.db import utcnow
from xinyong.lists.models import ListEntry
from xinyong.lists.states import EntryStatus, entry_machine
from xinyong.records.models import ChangeEvent
from xinyong.records.states import ChangeKind

LIST_TOPIC = "list"
CHANGE_KIND = {
    EntryStatus.PROPOSED: ChangeKind.LIST_PROPOSED, EntryStatus.NOTIFIED: ChangeKind.LIST_NOTIFIED,
    EntryStatus.EFFECTIVE: ChangeKind.LIST_EFFECTIVE, EntryStatus.SUSPENDED: ChangeKind.LIST_SUSPENDED,
    EntryStatus.EXITED: ChangeKind.LIST_EXITED, EntryStatus.WITHDRAWN: ChangeKind.LIST_WITHDRAWN,
}


def emit(session: Session, entry: ListEntry, status: EntryStatus) -> ChangeEvent:
    """Append the entry's new state to the change feed (webhooks deliver from there)."""
    event = ChangeEvent(occurred_at=utcnow(), topic=LIST_TOPIC, kind=CHANGE_KIND[status], list_entry_id=entry.id,
                        subject_id=entry.subject_id, record_type_code=entry.list_type.code)
    session.add(event)
    session.flush()
    return event


def record_created(session: Session, entry: ListEntry, *, actor: str) -> None:
    """History, audit and feed for a new (proposed) entry."""
    session.add(StateTransition(entity_type=entry_machine.entity_type, entity_id=str(entry.id), from_state="",
                                to_state=str(EntryStatus.PROPOSED), actor=actor, reason="提出列入"))
    record_event(session, actor=actor, action="list_entry.proposed", entity_type="list_entry", entity_id=entry.id,
                 detail={"list_type": entry.list_type.code, "subject_id": entry.subject_id,
                         "derivation": entry.derivation})
    emit(session, entry, EntryStatus.PROPOSED)


def move(session: Session, entry: ListEntry, to: EntryStatus, *, actor: str, reason: str) -> None:
    """The one way an entry changes state: checked against TRANSITIONS, with history, audit and feed."""
    entry_machine.transition(session, entry, to, actor=actor, reason=reason)
    emit(session, entry, to)
