"""Every query of the authorised-query domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from xinyong.lists.models import ListEntry
from xinyong.queries.models import OneTimeCode, PersonContact, QueryLog
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject


def contact_of(session: Session, subject_id: int) -> PersonContact | None:
    """The person's contact on file."""
    return session.scalars(select(PersonContact).where(PersonContact.subject_id == subject_id)).first()


def latest_code(session: Session, subject_id: int) -> OneTimeCode | None:
    """The newest code sent to the person (only the newest counts)."""
    stmt = (select(OneTimeCode).where(OneTimeCode.subject_id == subject_id)
            .order_by(OneTimeCode.created_at.desc(), OneTimeCode.id.desc()).limit(1))
    return session.scalars(stmt).first()


def retire_codes(session: Session, subject_id: int, now: dt.datetime) -> None:
    """Earlier unused codes stop working when a new one is sent."""
    session.execute(update(OneTimeCode).where(OneTimeCode.subject_id == subject_id, OneTimeCode.used_at.is_(None),
                                              OneTimeCode.expires_at > now).values(expires_at=now))


def current_records(session: Session, subject_id: int, limit: int = 1000) -> Sequence[CreditRecord]:
    """Every current record version about the subject, newest first."""
    stmt = (select(CreditRecord).where(CreditRecord.subject_id == subject_id, CreditRecord.is_current.is_(True))
            .order_by(CreditRecord.decision_on.desc(), CreditRecord.id.desc()).limit(limit))
    return session.scalars(stmt).all()


def list_entries(session: Session, subject_id: int) -> Sequence[ListEntry]:
    """Every list entry of the subject, newest first."""
    stmt = select(ListEntry).where(ListEntry.subject_id == subject_id).order_by(ListEntry.id.desc())
    return session.scalars(stmt).all()


def represented(session: Session, person_id: int) -> Sequence[Subject]:
    """Organisations whose legal representative is the person."""
    return session.scalars(select(Subject).where(Subject.legal_representative_id == person_id)
                           .order_by(Subject.id)).all()


def recent_logs(session: Session, *, subject_id: int | None = None, limit: int = 100) -> Sequence[QueryLog]:
    """Newest query logs, optionally of one subject."""
    stmt = select(QueryLog).order_by(QueryLog.queried_at.desc(), QueryLog.id.desc()).limit(limit)
    if subject_id is not None:
        stmt = stmt.where(QueryLog.subject_id == subject_id)
    return session.scalars(stmt).all()


def purge_logs_before(session: Session, cutoff: dt.datetime) -> int:
    """Delete query logs older than the cutoff; returns how many."""
    return session.execute(delete(QueryLog).where(QueryLog.queried_at < cutoff)).rowcount or 0


def purge_codes_before(session: Session, cutoff: dt.datetime) -> int:
    """Delete one-time codes that expired before the cutoff."""
    return session.execute(delete(OneTimeCode).where(OneTimeCode.expires_at < cutoff)).rowcount or 0
