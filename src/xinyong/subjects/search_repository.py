"""Every query of the public search: range scans on the search table, then the page's subjects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from xinyong.subjects.models import Subject
from xinyong.subjects.search_models import SubjectSearchTerm as T
from xinyong.subjects.states import SubjectKind

TOP = "\U0010ffff"  # sorts after every character, in UTF-8 bytes (SQLite) and in collation "C" (PostgreSQL)


def starting_with(kinds: Sequence[str], prefix: str, limit: int) -> Select[tuple[str, int]]:
    """Terms of these kinds that start with prefix, in index order (kind, term, subject)."""
    return (select(T.term, T.subject_id)
            .where(T.kind.in_(kinds), T.term >= prefix, T.term < prefix + TOP)
            .order_by(T.kind, T.term, T.subject_id).limit(limit))


def terms_starting_with(session: Session, kinds: Sequence[str], prefix: str, limit: int) -> list[tuple[str, int]]:
    """(term, subject_id) of the first matches; one b-tree range scan per kind."""
    return [(term, sid) for term, sid in session.execute(starting_with(kinds, prefix, limit))]


def terms_equal(session: Session, kind: str, term: str, limit: int) -> list[int]:
    """Subjects having exactly this term."""
    stmt = select(T.subject_id).where(T.kind == kind, T.term == term).order_by(T.subject_id).limit(limit)
    return list(session.scalars(stmt))


def published_document_subjects(session: Session, subject_ids: Sequence[int], key: str, day: dt.date) -> set[int]:
    """Which of these subjects have a record on the portal today whose normalised 决定文书号 is key."""
    if not subject_ids:
        return set()
    from xinyong.records.models import CreditRecord
    from xinyong.records.repository import published_on
    from xinyong.subjects.search_terms import normalise

    stmt = select(CreditRecord.subject_id, CreditRecord.document_number).where(
        CreditRecord.subject_id.in_(subject_ids), published_on(day))
    return {sid for sid, number in session.execute(stmt) if normalise(number) == key}


def subjects_by_id(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    """The page's subjects by primary key."""
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Subject).where(Subject.id.in_(ids)))}


def names_of(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Names of subjects (to check queries longer than a term)."""
    if not ids:
        return {}
    return {sid: name for sid, name in session.execute(select(Subject.id, Subject.name).where(Subject.id.in_(ids)))}


def persons_named(session: Session, name: str, limit: int) -> Sequence[Subject]:
    """Natural persons with exactly this name (the name index; callers narrow by partial document number)."""
    stmt = (select(Subject).where(Subject.name == name, Subject.kind == SubjectKind.NATURAL_PERSON)
            .order_by(Subject.id).limit(limit))
    return session.scalars(stmt).all()


def live_list_kinds(session: Session, subject_ids: Sequence[int], day: dt.date) -> dict[int, set[str]]:
    """List kinds each subject is published on today (for the red/black/watch badges)."""
    if not subject_ids:
        return {}
    from xinyong.lists.models import ListEntry, ListType
    from xinyong.lists.publication import is_public_type
    from xinyong.lists import states

    # Suspended entries (under objection) stay published where the lists domain has that status.
    live = getattr(states, "LIVE_STATUSES", (states.EntryStatus.EFFECTIVE,))
    stmt = (select(ListEntry.subject_id, ListType).join(ListType, ListType.id == ListEntry.list_type_id)
            .where(ListEntry.subject_id.in_(subject_ids), ListEntry.status.in_(live),
                   ListEntry.valid_from <= day, ListEntry.valid_until >= day))
    found: dict[int, set[str]] = {}
    for subject_id, list_type in session.execute(stmt):
        if is_public_type(list_type):
            found.setdefault(subject_id, set()).add(str(list_type.kind.value))
    return found
