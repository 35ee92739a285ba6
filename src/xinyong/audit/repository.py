"""Every query on the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Row, func, select, text
from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEvent

# Any fixed 64-bit number: the key of the one advisory lock that serialises appends to the chain.
CHAIN_LOCK_KEY = 0x78696E796F6E67  # "xinyong"


def lock_chain(session: Session) -> None:
    """Serialise appends to the chain until this transaction ends (PostgreSQL; SQLite needs nothing).

    Why: two READ COMMITTED transactions could both read the same head and each append seq N+1 on top
    of it — a fork (the unique seq then fails one of them at commit, losing its whole unit of work).
    The transaction-scoped advisory lock is taken *before* the head is read, so the second appender
    waits until the first commits or rolls back and then reads the new head with a fresh snapshot.
    SQLite allows one writer at a time, and a reader that lost the race cannot upgrade to a writer
    (SQLITE_BUSY), so it never forks either.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})


def head(session: Session) -> tuple[int, str] | None:
    """(seq, hash) of the last stored event, or None for an empty chain."""
    with session.no_autoflush:
        row = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
    return (row[0], row[1]) if row else None


CHAIN_COLUMNS = (AuditEvent.id, AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash, AuditEvent.occurred_at,
                 AuditEvent.actor, AuditEvent.action, AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.detail)


def walk(session: Session, batch: int = 5000) -> Iterator[Row]:
    """Every event's chain columns in chain order, read in batches (constant memory on a long chain)."""
    after = None
    while True:
        stmt = select(*CHAIN_COLUMNS).order_by(AuditEvent.seq).limit(batch)
        if after is not None:
            stmt = stmt.where(AuditEvent.seq > after)
        rows = session.execute(stmt).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


@dataclass(frozen=True)
class EventFilter:
    """What the console asks for: any combination, all optional."""

    actor: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _conditions(f: EventFilter) -> list:
    conditions = []
    if f.actor:
        conditions.append(AuditEvent.actor == f.actor)
    if f.action:
        conditions.append(AuditEvent.action.startswith(f.action, autoescape=True))
    if f.entity_type:
        conditions.append(AuditEvent.entity_type == f.entity_type)
    if f.entity_id:
        conditions.append(AuditEvent.entity_id == f.entity_id)
    if f.date_from:
        conditions.append(AuditEvent.occurred_at >= dt.datetime.combine(f.date_from, dt.time(), dt.UTC))
    if f.date_to:
        end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time(), dt.UTC)
        conditions.append(AuditEvent.occurred_at < end)
    return conditions


def page(session: Session, f: EventFilter, *, offset: int, limit: int) -> tuple[int, Sequence[AuditEvent]]:
    """One page of events matching the filter, newest first, and the total."""
    conditions = _conditions(f)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.seq.desc()).offset(offset).limit(limit)
    ).all()
    return total, rows


def entity_types(session: Session) -> list[str]:
    """Entity types that occur, for the filter's choice list."""
    return list(session.scalars(select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)))
