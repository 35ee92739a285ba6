"""Writing audit events onto the hash chain, and checking the chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from xinyong.audit import repository
from xinyong.audit.chain import GENESIS, event_hash, normalise_detail
from xinyong.audit.models import AuditEvent
from xinyong.db import utcnow

_LAST_PENDING = "xinyong.audit.last_pending"


def _chain_head(session: Session) -> tuple[int, str]:
    """(seq, hash) the next event links to: this session's last unflushed event, else the stored head."""
    last = session.info.get(_LAST_PENDING)
    # Only a still-pending event can be ahead of the database; once flushed the query sees it, and one
    # discarded by a rollback is no longer pending.
    if last is not None and inspect(last).pending:
        return last.seq, last.hash
    stored = repository.head(session)
    return stored if stored is not None else (0, GENESIS)


def _chained(seq: int, prev_hash: str, *, occurred_at: dt.datetime, actor: str, action: str, entity_type: str,
             entity_id: object | None, detail: dict[str, Any] | None) -> AuditEvent:
    fields = {"occurred_at": occurred_at, "actor": actor, "action": action, "entity_type": entity_type,
              "entity_id": None if entity_id is None else str(entity_id), "detail": normalise_detail(detail)}
    return AuditEvent(seq=seq, prev_hash=prev_hash, hash=event_hash(seq=seq, prev_hash=prev_hash, **fields), **fields)


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: object | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event to the chain in the current unit of work."""
    return record_events(session, [{"actor": actor, "action": action, "entity_type": entity_type,
                                    "entity_id": entity_id, "detail": detail}])[-1]


def record_events(session: Session, events: Iterable[dict[str, Any]]) -> list[AuditEvent]:
    """Append several events (keys of record_event, optionally occurred_at) with one head lookup."""
    repository.lock_chain(session)
    seq, prev = _chain_head(session)
    added: list[AuditEvent] = []
    now = utcnow()
    for fields in events:
        seq += 1
        event = _chained(seq, prev, occurred_at=fields.get("occurred_at") or now, actor=fields["actor"],
                         action=fields["action"], entity_type=fields["entity_type"],
                         entity_id=fields.get("entity_id"), detail=fields.get("detail"))
        prev = event.hash
        added.append(event)
    session.add_all(added)
    if added:
        session.info[_LAST_PENDING] = added[-1]
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
        return f"审计链已损坏：第一个异常事件为序号 {self.bad_seq}（id {self.bad_id}），{self.problem}"


def verify_chain(session: Session) -> ChainReport:
    """Walk every event in order; name the first one that was edited, deleted around, or reordered."""
    expected_seq, prev_hash, prev_id, checked = 1, GENESIS, None, 0
    for row in repository.walk(session):
        problem = None
        if row.seq != expected_seq:
            problem = (f"序号应为 {expected_seq}，实为 {row.seq}：其前的事件被删除或链被截断" if row.seq > expected_seq
                       else f"序号 {row.seq} 重复或倒退")
        elif row.prev_hash != prev_hash:
            problem = "前序哈希与上一事件不符：上一事件被替换、删除或调换了顺序"
        elif prev_id is not None and row.id <= prev_id:
            problem = f"记录编号 {row.id} 不在上一事件（id {prev_id}）之后：事件顺序被调换"
        else:
            recomputed = event_hash(seq=row.seq, prev_hash=row.prev_hash, occurred_at=row.occurred_at,
                                    actor=row.actor, action=row.action, entity_type=row.entity_type,
                                    entity_id=row.entity_id, detail=row.detail)
            if recomputed != row.hash:
                problem = "内容与其哈希不符：该事件被修改过"
        if problem:
            return ChainReport(checked, expected_seq - 1, prev_hash, bad_id=row.id, bad_seq=row.seq, problem=problem)
        expected_seq, prev_hash, prev_id, checked = row.seq + 1, row.hash, row.id, checked + 1
    return ChainReport(checked, expected_seq - 1, prev_hash)
