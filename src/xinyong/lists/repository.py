"""Every query of the lists domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.lists.definitions import ListKind
from xinyong.lists.models import ListAnnouncement, ListEntry, ListType, ListTypeDepartment
from xinyong.lists.states import LIVE_STATUSES, OPEN_STATUSES, EntryStatus


def list_type_by_code(session: Session, code: str) -> ListType | None:
    """A list type by its code."""
    return session.scalar(select(ListType).where(ListType.code == code))


def list_types(session: Session, *, active_only: bool = True) -> Sequence[ListType]:
    """All list types, by kind then code."""
    stmt = select(ListType).order_by(ListType.kind, ListType.code)
    if active_only:
        stmt = stmt.where(ListType.is_active.is_(True))
    return session.scalars(stmt).all()


def is_granted(session: Session, list_type_id: int, department_id: int) -> bool:
    """Whether a department may recognise entries of a list type."""
    return session.scalar(select(ListTypeDepartment.id).where(
        ListTypeDepartment.list_type_id == list_type_id, ListTypeDepartment.department_id == department_id)) is not None


def granted_types(session: Session, department_id: int) -> Sequence[ListType]:
    """List types a department may recognise."""
    return session.scalars(select(ListType).join(ListTypeDepartment, ListTypeDepartment.list_type_id == ListType.id)
                           .where(ListTypeDepartment.department_id == department_id).order_by(ListType.code)).all()


def get_entry(session: Session, entry_id: int) -> ListEntry | None:
    """An entry by id."""
    return session.get(ListEntry, entry_id)


def open_duplicate(session: Session, list_type_id: int, subject_id: int, fingerprint: str) -> ListEntry | None:
    """An entry not yet exited or withdrawn with the same type, subject and facts."""
    return session.scalar(select(ListEntry).where(
        ListEntry.list_type_id == list_type_id, ListEntry.subject_id == subject_id,
        ListEntry.fingerprint == fingerprint, ListEntry.status.in_(OPEN_STATUSES)).limit(1))


def live_entries_of(session: Session, subject_id: int, kinds: Sequence[ListKind] | None = None) -> Sequence[ListEntry]:
    """Effective or suspended entries of a subject, optionally of some list kinds."""
    stmt = (select(ListEntry).join(ListType, ListType.id == ListEntry.list_type_id)
            .where(ListEntry.subject_id == subject_id, ListEntry.status.in_(LIVE_STATUSES)))
    if kinds:
        stmt = stmt.where(ListType.kind.in_(list(kinds)))
    return session.scalars(stmt.order_by(ListEntry.id)).all()


def entries_of_subject(session: Session, subject_id: int) -> Sequence[ListEntry]:
    """Every entry of a subject, newest first."""
    return session.scalars(select(ListEntry).where(ListEntry.subject_id == subject_id)
                           .order_by(ListEntry.id.desc())).all()


def entries_by_status(session: Session, statuses: Sequence[EntryStatus], *, department_id: int | None = None,
                      limit: int = 200) -> Sequence[ListEntry]:
    """Work queues of the console."""
    stmt = select(ListEntry).where(ListEntry.status.in_(list(statuses)))
    if department_id is not None:
        stmt = stmt.where(ListEntry.department_id == department_id)
    return session.scalars(stmt.order_by(ListEntry.id).limit(limit)).all()


def near_expiry(session: Session, today: dt.date, days: int, limit: int = 200) -> Sequence[ListEntry]:
    """Effective entries whose validity ends within `days` days."""
    return session.scalars(select(ListEntry).where(
        ListEntry.status == EntryStatus.EFFECTIVE, ListEntry.valid_until >= today,
        ListEntry.valid_until <= today + dt.timedelta(days=days)).order_by(ListEntry.valid_until).limit(limit)).all()


def announcements_in_year(session: Session, year: int) -> int:
    """How many exit announcements were numbered in a year."""
    prefix = f"退出公告〔{year}〕"
    return session.scalar(select(func.count()).select_from(ListAnnouncement)
                          .where(ListAnnouncement.number.startswith(prefix))) or 0


def announcement_of(session: Session, entry_id: int) -> ListAnnouncement | None:
    """The exit announcement of an entry."""
    return session.scalar(select(ListAnnouncement).where(ListAnnouncement.entry_id == entry_id))
