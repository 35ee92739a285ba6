"""Set-based writes for ingestion: subject resolution and bulk record inserts (COPY on PostgreSQL)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Table, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from xinyong import codes, masking
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.subjects.models import Subject
from xinyong.subjects.service import DOCUMENT_PURPOSE, name_initials
from xinyong.subjects.states import SubjectKind

IN_CHUNK = 5_000  # well under SQLite's bound-parameter limit
ARRAY_CHUNK = 50_000  # PostgreSQL takes the whole list as one array parameter


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def matching(session: Session, column: Any, values: Sequence[Any]) -> Iterable[ColumnElement[bool]]:
    """`column IN values` in chunks: one array parameter each on PostgreSQL (5,000 bound values plan slowly)."""
    if session.get_bind().dialect.name == "postgresql":
        for part in _chunks(values, ARRAY_CHUNK):
            yield column == any_(bindparam(None, list(part), type_=ARRAY(column.type)))
    else:
        for part in _chunks(values):
            yield column.in_(part)


def organisations_by_code(session: Session, usccs: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Existing subjects by 统一社会信用代码: code → (id, registered name)."""
    found: dict[str, tuple[int, str]] = {}
    for condition in matching(session, Subject.uscc, usccs):
        for sid, code, name in session.execute(select(Subject.id, Subject.uscc, Subject.name).where(condition)):
            found[code] = (sid, name)
    return found


def persons_by_hash(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
    """Existing persons by (document type, keyed hash): key → (id, registered name)."""
    wanted = set(keys)
    hashes = list(dict.fromkeys(digest for _type, digest in keys))
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for condition in matching(session, Subject.document_hash, hashes):
        # By hash alone (indexed, near unique); a row-value IN over (type, hash) defeats the index on PostgreSQL.
        stmt = select(Subject.id, Subject.document_type, Subject.document_hash, Subject.name).where(condition)
        for sid, doc_type, digest, name in session.execute(stmt):
            if (doc_type, digest) in wanted:
                found[(doc_type, digest)] = (sid, name)
    return found


def create_organisations(session: Session, frame: pl.DataFrame) -> dict[str, tuple[int, str]]:
    """Register subjects first seen in records (columns code, name, category; codes already validated)."""
    now = utcnow()
    code = pl.col("code")
    kind = (pl.when(pl.col("category") == SubjectKind.INDIVIDUAL_BUSINESS.value)
            .then(pl.lit(SubjectKind.INDIVIDUAL_BUSINESS.value))
            .when(code.str.starts_with("1")).then(pl.lit(SubjectKind.AGENCY.value))
            .when(code.str.starts_with("92")).then(pl.lit(SubjectKind.INDIVIDUAL_BUSINESS.value))
            .otherwise(pl.lit(SubjectKind.LEGAL_PERSON.value)))
    values = frame.select(
        kind.alias("kind"), pl.col("name"), _initials(frame["name"]).alias("name_initials"), code.alias("uscc"),
        code.str.slice(2, 6).alias("region_code"), code.str.starts_with("1").alias("is_agency"),
        pl.lit(now).alias("created_at"), pl.lit(now).alias("updated_at"),
    )
    bulk_insert(session, Subject.__table__, values)
    return organisations_by_code(session, frame["code"].to_list())


def create_persons(session: Session, keyring: Keyring, frame: pl.DataFrame) -> None:
    """Register persons first seen in records (columns type, hash, name, number), encrypted at rest."""
    now = utcnow()
    numbers = frame["number"].to_list()
    values = frame.select(
        pl.lit(SubjectKind.NATURAL_PERSON.value).alias("kind"), pl.col("name"),
        _initials(frame["name"]).alias("name_initials"),
        pl.when(pl.col("type") == codes.DocumentType.RESIDENT_ID.value).then(pl.col("number").str.slice(0, 6))
        .alias("region_code"),
        pl.lit(False).alias("is_agency"), pl.col("type").alias("document_type"),
        pl.Series([keyring.encrypt(n, DOCUMENT_PURPOSE) for n in numbers], dtype=pl.Binary).alias("document_cipher"),
        pl.col("hash").alias("document_hash"),
        pl.Series([masking.mask_id_number(n) for n in numbers], dtype=pl.String).alias("document_masked"),
        pl.lit(now).alias("created_at"), pl.lit(now).alias("updated_at"),
    )
    bulk_insert(session, Subject.__table__, values)


def _initials(names: pl.Series) -> pl.Series:
    return pl.Series([name_initials(n) for n in names.to_list()], dtype=pl.String)


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
