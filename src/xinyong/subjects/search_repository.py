"""Every query of the public search: range scans on the search table, then the page's subjects.

Statements are built once with bound parameters and run on the connection (Core): building them per call
cost more than the index lookups themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from xinyong.subjects.models import Subject
from xinyong.subjects.search_models import SubjectSearchTerm
from xinyong.subjects.states import SubjectKind

TOP = "\U0010ffff"  # sorts after every character, in UTF-8 bytes (SQLite) and in collation "C" (PostgreSQL)
CAP = 501  # the depth limit (500) and one more, to tell "more than 500"
T = SubjectSearchTerm.__table__.c
S = Subject.__table__.c
SUMMARY_COLUMNS = (S.id, S.kind, S.name, S.name_initials, S.uscc, S.region_code, S.document_masked)


def starting_with(kind: str, prefix: str, limit: int = CAP) -> Select[tuple[str, int]]:
    """Terms of one kind that start with prefix, in index order (for EXPLAIN in tests; search uses _STARTING)."""
    return (select(T.term, T.subject_id).where(T.kind == kind, T.term >= prefix, T.term < prefix + TOP)
            .order_by(T.term, T.subject_id).limit(limit))


_STARTING = (select(T.term, T.subject_id)
             .where(T.kind == bindparam("kind"), T.term >= bindparam("lo"), T.term < bindparam("hi"))
             .order_by(T.term, T.subject_id).limit(CAP))
_EQUAL = (select(T.subject_id).where(T.kind == bindparam("kind"), T.term == bindparam("term"))
          .order_by(T.subject_id).limit(CAP))
_SUBJECTS = select(*SUMMARY_COLUMNS).where(S.id.in_(bindparam("ids", expanding=True)))
_NAMES = select(S.id, S.name).where(S.id.in_(bindparam("ids", expanding=True)))


def terms_starting_with(session: Session, kind: str, prefix: str) -> list[tuple[str, int]]:
    """(term, subject_id) of the first CAP matches: one b-tree range scan."""
    rows = session.connection().execute(_STARTING, {"kind": kind, "lo": prefix, "hi": prefix + TOP})
    return [(term, sid) for term, sid in rows]


def terms_equal(session: Session, kind: str, term: str) -> list[int]:
    """Subjects having exactly this term."""
    return list(session.connection().execute(_EQUAL, {"kind": kind, "term": term}).scalars())


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


def subjects_by_id(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    """The page's subjects (the columns a result shows) by primary key."""
    if not ids:
        return {}
    return {row.id: row for row in session.connection().execute(_SUBJECTS, {"ids": list(ids)})}


def names_of(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Names of subjects (to check queries longer than a term)."""
    if not ids:
        return {}
    return {sid: name for sid, name in session.connection().execute(_NAMES, {"ids": list(ids)})}


def persons_named(session: Session, name: str, limit: int) -> Sequence[Any]:
    """Natural persons with exactly this name (the name index; callers narrow by partial document number)."""
    stmt = (select(*SUMMARY_COLUMNS).where(S.name == name, S.kind == SubjectKind.NATURAL_PERSON)
            .order_by(S.id).limit(limit))
    return session.connection().execute(stmt).all()


def live_list_kinds(session: Session, subject_ids: Sequence[int], day: dt.date) -> dict[int, set[str]]:
    """List kinds each subject is published on today (for the red/black/watch badges)."""
    if not subject_ids:
        return {}
    from xinyong.lists import states
    from xinyong.lists.models import ListEntry, ListType

    # Suspended entries (under objection) stay published where the lists domain has that status.
    live = getattr(states, "LIVE_STATUSES", (states.EntryStatus.EFFECTIVE,))
    stmt = (select(ListEntry.subject_id, ListType.kind, ListType.definition)
            .join(ListType, ListType.id == ListEntry.list_type_id)
            .where(ListEntry.subject_id.in_(subject_ids), ListEntry.status.in_(live),
                   ListEntry.valid_from <= day, ListEntry.valid_until >= day))
    found: dict[int, set[str]] = {}
    for subject_id, kind, definition in session.connection().execute(stmt):
        if (definition or {}).get("public", True):  # lists.publication.is_public_type, on the row
            found.setdefault(subject_id, set()).add(str(kind.value if hasattr(kind, "value") else kind))
    return found
