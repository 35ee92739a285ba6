"""Filling the search table: one subject at a time (registry) or in bulk (import, demo, migration)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from xinyong.subjects.search_models import SubjectSearchTerm
from xinyong.subjects.states import SubjectKind

TERM_CHARS = 16  # longer queries range-scan on their first 16 characters, then check the full name
# Queries inside a legal-form ending would match nearly every subject: no suffix starts there.
LEGAL_FORM_ENDINGS = ("股份有限公司", "有限责任公司", "有限公司", "合伙企业", "分公司", "公司", "合作社")
PUBLIC_KINDS = frozenset({SubjectKind.LEGAL_PERSON.value, SubjectKind.INDIVIDUAL_BUSINESS.value,
                          SubjectKind.AGENCY.value})
Term = tuple[str, str, int]
_table = SubjectSearchTerm.__table__


def normalise(text: str) -> str:
    """Full-width to half-width (（ → (), lower case, no spaces: the form both terms and queries take."""
    return "".join(unicodedata.normalize("NFKC", text or "").lower().split())


def _suffixes(kind_first: str, text: str, stop: int) -> Iterable[tuple[str, str]]:
    for i in range(max(stop, 1)):
        piece = text[i:i + TERM_CHARS]
        if len(piece) >= 2:
            yield (kind_first if i == 0 else "n"), piece


def terms_for(subject_id: int, name: str, initials: str, uscc: str | None) -> list[Term]:
    """Every term of one organisation: name and initials suffixes, and its code."""
    text = normalise(name)
    ending = next((e for e in LEGAL_FORM_ENDINGS if text.endswith(e) and len(text) > len(e)), "")
    found: dict[tuple[str, str], None] = {}
    for pair in _suffixes("p", text, len(text) - len(ending) or 1):
        found[pair] = None
    letters = initials.lower()
    from xinyong.subjects.service import name_initials

    for pair in _suffixes("p", letters, len(letters) - len(name_initials(ending)) or 1):
        found.setdefault(pair, None)
    if uscc:
        found[("c", uscc)] = None
    return [(kind, term, subject_id) for kind, term in found]


def rows_of(subjects: Iterable[tuple[int, str, str, str | None, str]]) -> list[Term]:
    """Terms of many subjects given as (id, name, initials, uscc, kind); persons are never indexed."""
    rows: list[Term] = []
    for subject_id, name, initials, uscc, kind in subjects:
        if str(kind) in PUBLIC_KINDS:
            rows.extend(terms_for(subject_id, name, initials, uscc))
    return rows


def write_terms(connection: Connection, rows: Sequence[Term], *, ignore_existing: bool = False) -> None:
    """Insert terms in bulk: COPY/executemany for new subjects, conflict-ignoring inserts otherwise."""
    if not rows:
        return
    if not ignore_existing:
        import polars as pl

        from xinyong.records.store import bulk_insert

        frame = pl.DataFrame(rows, schema={"kind": pl.String, "term": pl.String, "subject_id": pl.Int64}, orient="row")
        bulk_insert(Session(bind=connection), _table, frame)  # a session over this very connection: COPY on PostgreSQL
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(_table).on_conflict_do_nothing()
    else:
        stmt = insert(_table).prefix_with("OR IGNORE")
    connection.execute(stmt, [{"kind": k, "term": t, "subject_id": s} for k, t, s in rows])


def index_subject(session: Session, subject_id: int, name: str, initials: str, uscc: str | None, kind: str) -> None:
    """(Re)write the terms of one subject after it is registered or renamed; keeps its 决定文书号 terms."""
    session.execute(delete(_table).where(_table.c.subject_id == subject_id, _table.c.kind != "d"))
    write_terms(session.connection(), rows_of([(subject_id, name, initials, uscc, kind)]), ignore_existing=True)


def document_terms(rows: Iterable[tuple[int, str]]) -> list[Term]:
    """决定文书号 terms from (subject_id, document number) pairs."""
    found = {("d", normalise(number)[:48], subject_id) for subject_id, number in rows if number}
    return sorted(t for t in found if len(t[1]) >= 2)


def backfill(connection: Connection, chunk: int = 50_000) -> int:
    """Fill the table for subjects and records stored before it existed (migration 0007, benches); idempotent."""
    from xinyong.records.models import CreditRecord
    from xinyong.subjects.models import Subject

    connection.execute(delete(_table))
    written, last = 0, 0
    cols = (Subject.id, Subject.name, Subject.name_initials, Subject.uscc, Subject.kind)
    while True:
        batch = connection.execute(select(*cols).where(Subject.id > last, Subject.kind.in_(PUBLIC_KINDS))
                                   .order_by(Subject.id).limit(chunk)).all()
        if not batch:
            break
        rows = rows_of(batch)
        write_terms(connection, rows)
        written += len(rows)
        last = batch[-1][0]
    docs = connection.execute(select(CreditRecord.subject_id, CreditRecord.document_number).join(
        Subject, Subject.id == CreditRecord.subject_id).where(Subject.kind.in_(PUBLIC_KINDS))).all()
    rows = document_terms(docs)
    write_terms(connection, rows)
    return written + len(rows)


def index_new_organisations(session: Session, items: Iterable[tuple[int, str, str]]) -> None:
    """Terms of organisations just inserted in bulk, from (id, name, uscc); they have no terms yet."""
    from xinyong.subjects.service import name_initials

    organisation = SubjectKind.LEGAL_PERSON.value  # every organisation kind is public: the same terms
    write_terms(session.connection(), rows_of((sid, name, name_initials(name), code, organisation)
                                              for sid, name, code in items))


def index_documents(session: Session, pairs: Iterable[tuple[int, str]]) -> None:
    """决定文书号 terms of organisations' new records, from (subject_id, number); repeats are ignored."""
    write_terms(session.connection(), document_terms(pairs), ignore_existing=True)
