"""Batch summaries and the downloadable error report (CSV with BOM so Excel opens it)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.errors import NotFound
from xinyong.records.models import ImportBatch, ImportRowError
from xinyong.records.schemas import SUMMARY_ERROR_LIMIT, BatchSummary

ERROR_REPORT_HEADER = ("行号", "字段代码", "字段名称", "值", "问题说明")


def get_batch(session: Session, batch_id: int) -> ImportBatch:
    """Batch by id, or NotFound."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound(f"批次 {batch_id} 不存在")
    return batch


def summarise(session: Session, batch: ImportBatch, limit: int = SUMMARY_ERROR_LIMIT) -> BatchSummary:
    """Summary with the first errors in row order."""
    errors = session.scalars(select(ImportRowError).where(ImportRowError.batch_id == batch.id)
                             .order_by(ImportRowError.row_number, ImportRowError.id).limit(limit)).all()
    count = session.scalar(select(func.count()).select_from(ImportRowError).where(ImportRowError.batch_id == batch.id))
    return BatchSummary.of(batch, list(errors), count or 0)


def _inert(value: object) -> object:
    # A value like "=HYPERLINK(...)" must show as text in Excel, never run as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def error_report_csv(session: Session, batch: ImportBatch) -> bytes:
    """Every problem of the batch, one per line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ERROR_REPORT_HEADER)
    stmt = select(ImportRowError.row_number, ImportRowError.field_code, ImportRowError.field_label,
                  ImportRowError.value, ImportRowError.reason).where(ImportRowError.batch_id == batch.id).order_by(
        ImportRowError.row_number, ImportRowError.id)
    for row in session.execute(stmt):
        writer.writerow([_inert(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
