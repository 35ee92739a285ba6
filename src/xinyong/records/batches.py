"""Running an import batch end to end: one transaction, all-or-nothing for its accepted rows."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from xinyong.accounts.service import Principal
from xinyong.calendar import WorkingCalendar, get_default_calendar
from xinyong.catalog.definitions import RecordTypeDefinition
from xinyong.catalog.service import get_record_type
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.departments.models import Department
from xinyong.records.ingest import Context, Progress, emit_changes, process_chunk, store_errors
from xinyong.records.models import ImportBatch
from xinyong.records.readers import SourceTable
from xinyong.records.states import BatchStatus, Channel, batch_machine


@dataclass(frozen=True)
class BatchRequest:
    """Who submits what, through which channel."""

    catalog_code: str
    department: Department
    principal: Principal
    channel: Channel
    file_name: str | None = None
    file_sha256: str | None = None


def file_sha256(path: Path) -> str:
    """Fingerprint of a submitted file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def definition_of(session: Session, code: str) -> tuple[object, RecordTypeDefinition]:
    """The stored record type and its parsed definition."""
    record_type = get_record_type(session, code)
    return record_type, RecordTypeDefinition.model_validate(record_type.definition)


def run_batch(session: Session, keyring: Keyring, request: BatchRequest, table: SourceTable, *,
              today: dt.date | None = None, calendar: WorkingCalendar | None = None,
              progress: Progress | None = None) -> ImportBatch:
    """Import every chunk of the table as one batch in the caller's unit of work."""
    request.principal.require_department(request.department.id)
    record_type, definition = definition_of(session, request.catalog_code)
    batch = ImportBatch(
        record_type_id=record_type.id, department_id=request.department.id, channel=request.channel,
        status=BatchStatus.PROCESSING, file_name=(request.file_name or "")[:255] or None,
        file_sha256=request.file_sha256, encoding=table.encoding, submitted_by=request.principal.actor,
        notes=list(table.notes) + ([f"未识别的列（已忽略）：{'、'.join(table.unknown_columns)}"] if table.unknown_columns else []),
    )
    session.add(batch)
    session.flush()
    ctx = Context(session=session, keyring=keyring, record_type=record_type, definition=definition,
                  department=request.department, batch=batch, calendar=calendar or get_default_calendar(),
                  today=today or dt.date.today(), actor=request.principal.actor)
    for chunk in table.chunks:
        process_chunk(ctx, chunk)
        if progress:
            progress(chunk.height)
    # The reader may switch encoding or add notes while streaming (e.g. GBK first seen after 1 MB).
    batch.encoding = table.encoding
    batch.notes = list(dict.fromkeys([*batch.notes, *table.notes]))
    store_errors(ctx)
    emit_changes(ctx)
    batch.finished_at = utcnow()
    batch_machine.transition(session, batch, BatchStatus.COMMITTED, actor=request.principal.actor,
                             reason=f"接收{batch.received}行，新增{batch.accepted}，更新{batch.updated}，拒绝{batch.rejected}")
    return batch


def record_failed_batch(session: Session, request: BatchRequest, reason: str) -> ImportBatch:
    """Keep a trace of a submission that could not be read at all (in its own unit of work)."""
    record_type, _ = definition_of(session, request.catalog_code)
    batch = ImportBatch(record_type_id=record_type.id, department_id=request.department.id, channel=request.channel,
                        status=BatchStatus.PROCESSING, file_name=request.file_name, file_sha256=request.file_sha256,
                        submitted_by=request.principal.actor, failure=reason[:2000])
    session.add(batch)
    session.flush()
    batch.finished_at = utcnow()
    batch_machine.transition(session, batch, BatchStatus.FAILED, actor=request.principal.actor, reason=reason[:500])
    return batch
