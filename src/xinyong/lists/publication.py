"""Read-side queries of lists: what the portal publishes, console work queues, entry history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from xinyong.audit.models import StateTransition
from xinyong.departments.models import Department
from xinyong.errors import InvalidInput
from xinyong.lists import repository
from xinyong.lists.definitions import Domain, ListKind
from xinyong.lists.models import ListAnnouncement, ListEntry, ListType, ListTypeDepartment
from xinyong.lists.states import LIVE_STATUSES, EntryStatus, entry_machine

KIND_SLUGS = {"red": ListKind.RED, "black": ListKind.BLACK, "watch": ListKind.WATCH, "warning": ListKind.WARNING}
SLUG_OF_KIND = {kind: slug for slug, kind in KIND_SLUGS.items()}


def parse_kind(text: str | None) -> ListKind | None:
    """A list kind from its slug (red, black, watch, warning) or its Chinese name; empty means all."""
    value = (text or "").strip()
    if not value:
        return None
    if value.lower() in KIND_SLUGS:
        return KIND_SLUGS[value.lower()]
    try:
        return ListKind(value)
    except ValueError:
        raise InvalidInput(f"名单类别应为 red、black、watch、warning 或其中文名称，收到“{value}”") from None


def parse_domain(text: str | None) -> Domain | None:
    """A key domain by its Chinese name; empty means all."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return Domain(value)
    except ValueError:
        raise InvalidInput(f"未知的重点领域“{value}”") from None


def is_public_type(list_type: ListType) -> bool:
    """Whether entries of this type are published on the portal."""
    return bool(list_type.definition.get("public", True))


def public_types(session: Session, kind: ListKind | None = None, domain: Domain | None = None,
                 code: str | None = None) -> list[ListType]:
    """List types whose entries are published, optionally narrowed."""
    return [t for t in repository.list_types(session, active_only=False) if is_public_type(t)
            and (kind is None or t.kind is kind) and (domain is None or t.domain is domain)
            and (not code or t.code == code)]


def published_on(day: dt.date, type_ids: Iterable[int]) -> ColumnElement[bool]:
    """Condition: the entry is live, of a public type and within its validity on this day."""
    # An entry under objection stays published with its 异议处理中 mark (F7: marked at once); what stops
    # while it is verified is its measures (seed 002 三(五)7), which the check API withholds.
    return and_(ListEntry.status.in_(LIVE_STATUSES), ListEntry.list_type_id.in_(list(type_ids)),
                ListEntry.valid_from <= day, ListEntry.valid_until >= day)


def list_public(session: Session, day: dt.date, *, kind: ListKind | None = None, type_code: str | None = None,
                domain: Domain | None = None, q: str | None = None, offset: int = 0,
                limit: int = 20) -> tuple[int, Sequence[ListEntry]]:
    """One page of published entries with filters, and the total; q matches organisation names or codes."""
    types = public_types(session, kind, domain, type_code)
    if not types:
        return 0, []
    conditions = [published_on(day, [t.id for t in types])]
    text = (q or "").strip()
    if text:
        # Persons are never found by name: a search must not confirm who is listed behind a mask.
        by_name = and_(ListEntry.subject_masked_id.is_(None), ListEntry.subject_name.contains(text, autoescape=True))
        conditions.append(or_(by_name, ListEntry.subject_code == text.upper()) if text.isascii() else by_name)
    total = session.scalar(select(func.count()).select_from(ListEntry).where(*conditions)) or 0
    rows = session.scalars(select(ListEntry).where(*conditions)
                           .order_by(ListEntry.recognised_on.desc(), ListEntry.id.desc())
                           .offset(offset).limit(limit)).all()
    return total, rows


def count_public_by_kind(session: Session, day: dt.date) -> dict[ListKind, int]:
    """Published entries per list kind (for the tabs of /lists)."""
    types = public_types(session)
    kind_of = {t.id: t.kind for t in types}
    counts: dict[ListKind, int] = dict.fromkeys(ListKind, 0)
    if not types:
        return counts
    rows = session.execute(select(ListEntry.list_type_id, func.count()).where(published_on(day, kind_of))
                           .group_by(ListEntry.list_type_id))
    for type_id, n in rows:
        counts[kind_of[type_id]] += n
    return counts


def public_entry(session: Session, entry_id: int, day: dt.date) -> ListEntry | None:
    """An entry if it is published today, else None."""
    entry = session.get(ListEntry, entry_id)
    if entry is None or entry.status not in LIVE_STATUSES or not is_public_type(entry.list_type):
        return None
    return entry if entry.valid_from <= day <= entry.valid_until else None


def live_entry(session: Session, entry_id: int, day: dt.date) -> ListEntry | None:
    """An effective or suspended entry within its validity today, published or not (objection targets), else None."""
    entry = session.get(ListEntry, entry_id)
    if entry is None or entry.status not in LIVE_STATUSES:
        return None
    return entry if entry.valid_from <= day <= entry.valid_until else None


def public_entries_of_subject(session: Session, subject_id: int, day: dt.date) -> Sequence[ListEntry]:
    """A subject's published entries, newest first (one indexed query: the subject page and profile API use it)."""
    rows = session.scalars(select(ListEntry).where(
        ListEntry.subject_id == subject_id, ListEntry.status.in_(LIVE_STATUSES), ListEntry.valid_from <= day,
        ListEntry.valid_until >= day).order_by(ListEntry.recognised_on.desc(), ListEntry.id.desc())).all()
    return [e for e in rows if is_public_type(e.list_type)]


def list_announcements(session: Session, *, offset: int = 0, limit: int = 20) -> tuple[int, Sequence[ListAnnouncement]]:
    """Public exit announcements, newest first, and their total."""
    condition = ListAnnouncement.is_public.is_(True)
    total = session.scalar(select(func.count()).select_from(ListAnnouncement).where(condition)) or 0
    rows = session.scalars(select(ListAnnouncement).where(condition)
                           .order_by(ListAnnouncement.published_at.desc(), ListAnnouncement.id.desc())
                           .offset(offset).limit(limit)).all()
    return total, rows


def public_announcement(session: Session, announcement_id: int) -> ListAnnouncement | None:
    """A public exit announcement by id."""
    found = session.get(ListAnnouncement, announcement_id)
    return found if found is not None and found.is_public else None


def entries_of(session: Session, ids: Iterable[int]) -> dict[int, ListEntry]:
    """Entries by id, in one query."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {e.id: e for e in session.scalars(select(ListEntry).where(ListEntry.id.in_(wanted)))}


def department_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Department names by id, in one query."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(wanted))).all())


def history(session: Session, entry_id: int) -> Sequence[StateTransition]:
    """Every state change of an entry, oldest first."""
    return session.scalars(select(StateTransition).where(
        StateTransition.entity_type == entry_machine.entity_type, StateTransition.entity_id == str(entry_id))
        .order_by(StateTransition.occurred_at, StateTransition.id)).all()


def department_entries(session: Session, department_id: int, limit: int = 200) -> Sequence[ListEntry]:
    """A department's entries in every status, newest first (the clerk's console list)."""
    return session.scalars(select(ListEntry).where(ListEntry.department_id == department_id)
                           .order_by(ListEntry.id.desc()).limit(limit)).all()


def review_queue(session: Session, limit: int = 200) -> Sequence[ListEntry]:
    """Proposals and notified entries awaiting the credit office, oldest first."""
    return repository.entries_by_status(session, [EntryStatus.PROPOSED, EntryStatus.NOTIFIED], limit=limit)


def granted_departments(session: Session, list_type_id: int) -> Sequence[Department]:
    """Departments allowed to recognise entries of a list type."""
    return session.scalars(select(Department).join(ListTypeDepartment, ListTypeDepartment.department_id == Department.id)
                           .where(ListTypeDepartment.list_type_id == list_type_id).order_by(Department.name)).all()
