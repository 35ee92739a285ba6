"""Writing audit events onto the hash chain, and checking the chain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from xinyong.audit import repository
from xinyong.audit.chain import GENESIS, event_hash, normalise_detail
from xinyong.audit.models import AuditEvent
from xinyong.db import utcnow


def _link(session: Session, events: list[AuditEvent]) -> None:
    """Give unwritten events their place on the chain, in order, after the stored head."""
    repository.lock_chain(session)
    stored = repository.head(session)
    seq, prev = stored if stored is not None else (0, GENESIS)
    now = utcnow()
    for item in events:
        seq += 1
        item.occurred_at = item.occurred_at or now
        item.entity_id = None if item.entity_id is None else str(item.entity_id)
        item.detail = normalise_detail(item.detail)
        item.seq, item.prev_hash = seq, prev
        item.hash = prev = event_hash(seq=seq, prev_hash=prev, occurred_at=item.occurred_at, actor=item.actor,
                                      action=item.action, entity_type=item.entity_type, entity_id=item.entity_id,
                                      detail=item.detail)


@event.listens_for(Session, "before_flush")
def _link_new_events(session: Session, _context: object, _instances: object) -> None:
    """Chain every event about to be written, however it was added, just before the flush writes it.

    Why at flush and not when the event is recorded: only then is the stored head final for this writer
    (another session may share the transaction, or a savepoint may have been rolled back since), and
    the events go in the order they were added, which is the order the flush inserts them in, so ids rise
    with seq as `verify_chain` demands.
    """
    new = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if new:
        _link(session, sorted(new, key=lambda obj: inspect(obj).insert_order))


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: object | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current unit of work; it joins the chain when the session flushes."""
    return record_events(session, [{"actor": actor, "action": action, "entity_type": entity_type,
                                    "entity_id": entity_id, "detail": detail}])[-1]


def record_events(session: Session, events: Iterable[dict[str, Any]]) -> list[AuditEvent]:
    """Add several events (keys of record_event, optionally occurred_at) in this order."""
    added = [AuditEvent(occurred_at=e.get("occurred_at") or utcnow(), actor=e["actor"], action=e["action"],
                        entity_type=e["entity_type"], entity_id=e.get("entity_id"), detail=e.get("detail"))
             for e in events]
    session.add_all(added)
    return added


@dataclass(frozen=True)
class ChainReport:
    """Outcome of walking the chain: how far it holds and, if broken, where and why."""

    checked: int
    head_seq: int
    head_hash: str
    bad_id: int | None = None
    bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every event links and hashes correctly."""
        return self.problem is None

    def summary(self) -> str:
        """One Chinese sentence for the console and the CLI."""
        if self.ok:
            return f"审计链完整：共 {self.checked} 条事件，链头序号 {self.head_seq}，链头哈希 {self.head_hash}"
        where = f"序号 {self.bad_seq}" + (f"（id {self.bad_id}）" if self.bad_id is not None else "")
        return f"审计链已损坏：第一个异常事件为{where}，{self.problem}"


def _row_problem(row: Any, expected_seq: int, prev_hash: str, prev_id: int | None) -> str | None:
    if row.seq != expected_seq:
        return (f"序号应为 {expected_seq}，实为 {row.seq}：其前的事件被删除或链被截断" if row.seq > expected_seq
                else f"序号 {row.seq} 重复或倒退")
    if row.prev_hash != prev_hash:
        return "前序哈希与上一事件不符：上一事件被替换、删除或调换了顺序"
    if prev_id is not None and row.id <= prev_id:
        return f"记录编号 {row.id} 不在上一事件（id {prev_id}）之后：事件顺序被调换"
    recomputed = event_hash(seq=row.seq, prev_hash=row.prev_hash, occurred_at=row.occurred_at, actor=row.actor,
                            action=row.action, entity_type=row.entity_type, entity_id=row.entity_id, detail=row.detail)
    return None if recomputed == row.hash else "内容与其哈希不符：该事件被修改过"


def verify_chain(session: Session, anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walk every event in order; name the first one that was edited, deleted around, or reordered.

    A chain cannot show that its newest events were cut off; `anchor` (a seq and hash printed by an earlier
    check and kept elsewhere) can: that event must still be there with that hash.
    """
    expected_seq, prev_hash, prev_id, checked, anchored = 1, GENESIS, None, 0, None
    for row in repository.walk(session):
        problem = _row_problem(row, expected_seq, prev_hash, prev_id)
        if problem:
            return ChainReport(checked, expected_seq - 1, prev_hash, bad_id=row.id, bad_seq=row.seq, problem=problem)
        if anchor is not None and row.seq == anchor[0]:
            anchored = row
        expected_seq, prev_hash, prev_id, checked = row.seq + 1, row.hash, row.id, checked + 1
    if anchor is not None and anchored is None:
        return ChainReport(checked, expected_seq - 1, prev_hash, bad_seq=anchor[0],
                           problem=f"链头序号 {expected_seq - 1} 早于锚点序号 {anchor[0]}：链末尾的事件被删除")
    if anchor is not None and anchored.hash != anchor[1].lower():
        return ChainReport(checked, expected_seq - 1, prev_hash, bad_id=anchored.id, bad_seq=anchored.seq,
                           problem="哈希与锚点不符：该事件及其之前的链被改写")
    return ChainReport(checked, expected_seq - 1, prev_hash)
