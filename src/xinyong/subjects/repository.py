"""Every query about subjects."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from xinyong.subjects.models import OccupationalGroup, Subject, SubjectOccupation
from xinyong.subjects.states import SubjectKind

PUBLIC_SEARCH_KINDS = (SubjectKind.LEGAL_PERSON, SubjectKind.INDIVIDUAL_BUSINESS, SubjectKind.AGENCY)


def get(session: Session, subject_id: int) -> Subject | None:
    """Subject by id."""
    return session.get(Subject, subject_id)


def get_by_uscc(session: Session, uscc: str) -> Subject | None:
    """Organisation by 统一社会信用代码."""
    return session.scalars(
        select(Subject).where(Subject.uscc == uscc).options(selectinload(Subject.occupations))
    ).first()


def get_by_document_hash(session: Session, document_type: str, document_hash: str) -> Subject | None:
    """Natural person by the keyed hash of their document number."""
    return session.scalars(
        select(Subject).where(Subject.document_type == document_type, Subject.document_hash == document_hash)
    ).first()


def search_public(session: Session, query: str, limit: int) -> Sequence[Subject]:
    """Organisations whose code equals, or whose name or pinyin initials contain, the query."""
    q = query.strip()
    pattern = f"%{q}%"
    conditions = [Subject.name.like(pattern)]
    if q.isascii():
        conditions.append(Subject.uscc == q.upper())
        conditions.append(Subject.name_initials.like(f"{q.lower()}%"))
    stmt = (
        select(Subject)
        .where(Subject.kind.in_(PUBLIC_SEARCH_KINDS), or_(*conditions))
        .order_by(func.length(Subject.name), Subject.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def count_by_kind(session: Session) -> dict[str, int]:
    """How many subjects of each kind."""
    rows = session.execute(select(Subject.kind, func.count()).group_by(Subject.kind)).all()
    return {str(kind): n for kind, n in rows}


def get_group(session: Session, code: str) -> OccupationalGroup | None:
    """Occupational group by code."""
    return session.scalars(select(OccupationalGroup).where(OccupationalGroup.code == code)).first()


def list_groups(session: Session) -> Sequence[OccupationalGroup]:
    """All occupational groups in seed order."""
    return session.scalars(select(OccupationalGroup).order_by(OccupationalGroup.no)).all()


def has_occupation(session: Session, subject_id: int, group_id: int) -> bool:
    """True when the person already carries the tag."""
    stmt = select(SubjectOccupation.id).where(
        SubjectOccupation.subject_id == subject_id, SubjectOccupation.group_id == group_id
    )
    return session.scalar(stmt) is not None


def represented_by(session: Session, person_id: int) -> Sequence[Subject]:
    """Organisations whose legal representative is this person."""
    return session.scalars(select(Subject).where(Subject.legal_representative_id == person_id)).all()
