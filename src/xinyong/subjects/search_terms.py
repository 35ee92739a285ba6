"""Filling the search table: one subject at a time (registry) or in bulk (import, demo, migration)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, delete, select
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


# Pinyin initials start a term only where a name part can start: at the beginning and right after the
# administrative prefix (漳州市|富运科技…): "fykj" finds 漳州市富运科技有限公司 at a third of the rows
# that every position would cost. Chinese characters start a term at every position (partial names).
REGION_MARKS = frozenset("省市区县州旗盟镇乡")


def terms_for(subject_id: int, name: str, initials: str, uscc: str | None) -> list[Term]:
    """Every term of one organisation: name suffixes, initials from where a name part starts, its code."""
    from xinyong.subjects.service import _initial

    text = normalise(name)
    ending = next((e for e in LEGAL_FORM_ENDINGS if text.endswith(e) and len(text) > len(e)), "")
    stop = len(text) - len(ending) or 1
    found: dict[tuple[str, str], None] = dict.fromkeys(_suffixes("p", text, stop))
    letters = [_initial(ch) for ch in text]
    starts = [0] + [i + 1 for i, ch in enumerate(text[:stop - 1]) if ch in REGION_MARKS]
    for i in starts:
        piece = "".join(letters[i:])[:TERM_CHARS]
        if len(piece) >= 2:
            found.setdefault(("p" if i == 0 else "n", piece), None)
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


def write_terms(session: Session, rows: Sequence[Term], *, ignore_existing: bool = False) -> None:
    """Insert terms in bulk, in key order (b-tree pages filled in turn): COPY/executemany for new subjects,
    conflict-ignoring inserts otherwise."""
    if not rows:
        return
    rows = sorted(rows)
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # Plain tuples straight to the driver: a polars frame round trip cost as much as the insert.
        verb = "INSERT OR IGNORE" if ignore_existing else "INSERT"
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.executemany(f'{verb} INTO "subject_search_term" (kind, term, subject_id) VALUES (?, ?, ?)', rows)
        finally:
            cursor.close()
    elif not ignore_existing:
        import polars as pl

        from xinyong.records.store import bulk_insert

        frame = pl.DataFrame(rows, schema={"kind": pl.String, "term": pl.String, "subject_id": pl.Int64}, orient="row")
        bulk_insert(session, _table, frame)  # COPY
    else:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        connection.execute(pg_insert(_table).on_conflict_do_nothing(),
                           [{"kind": k, "term": t, "subject_id": s} for k, t, s in rows])


def index_subject(session: Session, subject_id: int, name: str, initials: str, uscc: str | None, kind: str,
                  *, old: tuple[str, str, str | None] | None = None) -> None:
    """Write the terms of one subject after it is registered, or renamed from old (name, initials, uscc)."""
    if old is not None:
        stale = rows_of([(subject_id, *old, kind)])
        if stale:
            session.execute(delete(_table).where(_table.c.kind == bindparam("k"), _table.c.term == bindparam("t"),
                                                 _table.c.subject_id == bindparam("s")),
                            [{"k": k, "t": t, "s": s} for k, t, s in stale])
    write_terms(session, rows_of([(subject_id, name, initials, uscc, kind)]), ignore_existing=True)


def document_terms(rows: Iterable[tuple[int, str]]) -> list[Term]:
    """决定文书号 terms from (subject_id, document number) pairs."""
    found = {("d", normalise(number)[:48], subject_id) for subject_id, number in rows if number}
    return sorted(t for t in found if len(t[1]) >= 2)


def backfill(session: Session, chunk: int = 50_000) -> int:
    """Fill the table for subjects and records stored before it existed (migration 0007, benches); idempotent."""
    from xinyong.records.models import CreditRecord
    from xinyong.subjects.models import Subject

    connection = session.connection()
    connection.execute(delete(_table))
    written, last = 0, 0
    cols = (Subject.id, Subject.name, Subject.name_initials, Subject.uscc, Subject.kind)
    while True:
        batch = connection.execute(select(*cols).where(Subject.id > last, Subject.kind.in_(PUBLIC_KINDS))
                                   .order_by(Subject.id).limit(chunk)).all()
        if not batch:
            break
        rows = rows_of(batch)
        write_terms(session, rows)
        written += len(rows)
        last = batch[-1][0]
    docs = connection.execute(select(CreditRecord.subject_id, CreditRecord.document_number).join(
        Subject, Subject.id == CreditRecord.subject_id).where(Subject.kind.in_(PUBLIC_KINDS))).all()
    rows = document_terms(docs)
    write_terms(session, rows)
    return written + len(rows)


def index_new_organisations(session: Session, items: Iterable[tuple[int, str, str]]) -> None:
    """Terms of organisations just inserted in bulk, from (id, name, uscc); they have no terms yet."""
    from xinyong.subjects.service import name_initials

    organisation = SubjectKind.LEGAL_PERSON.value  # every organisation kind is public: the same terms
    write_terms(session, rows_of((sid, name, name_initials(name), code, organisation)
                                              for sid, name, code in items))


def index_documents(session: Session, pairs: Iterable[tuple[int, str]]) -> None:
    """决定文书号 terms of organisations' new records, from (subject_id, number); repeats are ignored."""
    write_terms(session, document_terms(pairs), ignore_existing=True)
