"""Batch summaries and record inputs as the API and CLI show them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from xinyong.records.models import ImportBatch, ImportRowError

MAX_API_RECORDS = 10_000
SUMMARY_ERROR_LIMIT = 1_000


class RecordsIn(BaseModel):
    """A JSON batch of records from a department's or business system's own software."""

    catalog: str = Field(description="目录编码，如 xzcf（行政处罚）、xzxk（行政许可）", max_length=32)
    department: str = Field(description="报送部门统一社会信用代码；部门密钥只能报送本部门", max_length=40)
    records: list[dict[str, Any]] = Field(
        description="记录数组；键为国家标准字段代码（如 CF_XDR_MC）或中文名称；可加 CZLX=撤销 表示撤销",
        min_length=1, max_length=MAX_API_RECORDS)


class RowErrorOut(BaseModel):
    """One problem with one source row."""

    row: int = Field(description="源文件行号（API 为数组序号，从1开始）")
    field: str
    label: str
    value: str = Field(description="出错的值（个人信息已脱敏）")
    reason: str


class BatchSummary(BaseModel):
    """What happened to a batch."""

    batch_id: int
    status: str
    catalog: str
    department: str
    file_name: str | None
    encoding: str | None
    received: int
    accepted: int
    updated: int
    unchanged: int
    revoked: int
    rejected: int
    late: int = Field(description="超过决定日期后7个工作日报送的记录数（已接收并标记）")
    flagged: int = Field(description="主体名称与登记名称不一致、待核查的记录数")
    notes: list[str]
    failure: str | None
    error_count: int
    errors: list[RowErrorOut] = Field(description=f"行级问题（最多列出前{SUMMARY_ERROR_LIMIT}条，完整清单见错误报告）")
    received_at: dt.datetime

    @classmethod
    def of(cls, batch: ImportBatch, errors: list[ImportRowError], error_count: int) -> BatchSummary:
        """Build from the stored batch and its first errors."""
        return cls(
            batch_id=batch.id, status=str(batch.status), catalog=batch.record_type.code,
            department=batch.department.uscc, file_name=batch.file_name, encoding=batch.encoding,
            received=batch.received, accepted=batch.accepted, updated=batch.updated, unchanged=batch.unchanged,
            revoked=batch.revoked, rejected=batch.rejected, late=batch.late, flagged=batch.flagged,
            notes=list(batch.notes or []), failure=batch.failure, error_count=error_count,
            errors=[RowErrorOut(row=e.row_number, field=e.field_code, label=e.field_label, value=e.value,
                                reason=e.reason) for e in errors],
            received_at=batch.received_at,
        )
