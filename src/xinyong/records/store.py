"""Set-based writes for ingestion: subject resolution and bulk record inserts (COPY on PostgreSQL)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from xinyong import codes, masking
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.subjects.models import Subject
from xinyong.subjects.service import DOCUMENT_PURPOSE, kind_from_uscc, name_initials
from xinyong.subjects.states import SubjectKind

IN_CHUNK = 5_000  # well under SQLite's bound-parameter limit


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def organisations_by_code(session: Session, usccs: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Existing subjects by 统一社会信用代码: code → (id, registered name)."""
    found: dict[str, tuple[int, str]] = {}
    for part in _chunks(usccs):
        for sid, code, name in session.execute(select(Subject.id, Subject.uscc, Subject.name).where(Subject.uscc.in_(part))):
            found[code] = (sid, name)
    return found


def persons_by_hash(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
    """Existing persons by (document type, keyed hash): key → (id, registered name)."""
    wanted = set(keys)
    hashes = list(dict.fromkeys(digest for _type, digest in keys))
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for part in _chunks(hashes):
        # By hash alone (indexed, near unique); a row-value IN over (type, hash) defeats the index on PostgreSQL.
        stmt = select(Subject.id, Subject.document_type, Subject.document_hash, Subject.name).where(
            Subject.document_hash.in_(part))
        for sid, doc_type, digest, name in session.execute(stmt):
            if (doc_type, digest) in wanted:
                found[(doc_type, digest)] = (sid, name)
    return found


def create_organisations(session: Session, rows: dict[str, tuple[str, str]]) -> dict[str, tuple[int, str]]:
    """Register subjects first seen in records: code → (name, 行政相对人类别)."""
    now = utcnow()
    values = []
    for code, (name, category) in rows.items():
        info = codes.parse_uscc(code)
        kind = SubjectKind.INDIVIDUAL_BUSINESS if category == SubjectKind.INDIVIDUAL_BUSINESS.value else kind_from_uscc(info)
        values.append({"kind": kind.value, "name": name, "name_initials": name_initials(name), "uscc": code,
                       "region_code": info.region_code, "is_agency": info.is_agency,
                       "created_at": now, "updated_at": now})
    for part in _chunks(values, 2_000):
        session.execute(insert(Subject), list(part))
    return organisations_by_code(session, list(rows))


def create_persons(session: Session, keyring: Keyring, rows: dict[tuple[str, str], tuple[str, str]]) -> None:
    """Register persons first seen in records: (type, hash) → (name, plain number), encrypted at rest."""
    now = utcnow()
    values = []
    for (doc_type, digest), (name, number) in rows.items():
        region = number[:6] if doc_type == codes.DocumentType.RESIDENT_ID.value else None
        values.append({"kind": SubjectKind.NATURAL_PERSON.value, "name": name, "name_initials": name_initials(name),
                       "region_code": region, "is_agency": False, "document_type": doc_type,
                       "document_cipher": keyring.encrypt(number, DOCUMENT_PURPOSE), "document_hash": digest,
                       "document_masked": masking.mask_id_number(number), "created_at": now, "updated_at": now})
    for part in _chunks(values, 2_000):
        session.execute(insert(Subject), list(part))


def person_hash(keyring: Keyring, doc_type: str, number: str) -> str:
    """The same keyed hash the subject registry uses for lookups."""
    return keyring.lookup_hash(number, f"{DOCUMENT_PURPOSE}:{doc_type}")


def bulk_insert(session: Session, table: Table, frame: pl.DataFrame) -> None:
    """Insert a frame whose columns are the table's; COPY on PostgreSQL, executemany elsewhere."""
    if frame.is_empty():
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection, table, frame)
    else:
        _executemany_sqlite(connection, table, frame)


def _executemany_sqlite(connection: Any, table: Table, frame: pl.DataFrame) -> None:
    # Values in the forms SQLAlchemy itself stores on SQLite (ISO text dates, 0/1 booleans, JSON text).
    prepared = frame.with_columns(
        [pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S%.6f") for c, t in frame.schema.items() if isinstance(t, pl.Datetime)]
        + [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date]
        + [pl.col(c).cast(pl.Int8) for c, t in frame.schema.items() if t == pl.Boolean]
    )
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', prepared.iter_rows())
    finally:
        cursor.close()


def _copy(connection: Any, table: Table, frame: pl.DataFrame) -> None:
    # Binary columns go as bytea hex text; everything else as polars writes CSV.
    prepared = frame.with_columns(
        [(pl.lit("\\x") + pl.col(c).bin.encode("hex")).alias(c) for c, t in frame.schema.items() if t == pl.Binary]
    )
    buffer = io.BytesIO()
    prepared.write_csv(buffer, include_header=False, null_value="", quote_style="non_numeric",
                       datetime_format="%Y-%m-%dT%H:%M:%S%.f%:z")
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN (FORMAT csv)') as copy:
        copy.write(buffer.getvalue())
