"""Presenting credit records publicly, personal data masked."""

from __future__ import annotations

from dataclasses import dataclass

from xinyong import masking
from xinyong.records.models import CreditRecord


@dataclass(frozen=True)
class PublicRecord:
    """A record as the public portal shows it."""

    type_name: str
    document_number: str
    decision_on: str
    department: str
    summary: str
    severity: str
    adverse: bool
    record_id: int = 0
    under_objection: bool = False  # 异议处理中 (F7)


def summary_of(record: CreditRecord) -> str:
    """The record's content field (…_NR), masked if the catalogue marks it personal."""
    for field in record.record_type.fields:
        if field.code.endswith("_NR") and record.data.get(field.code):
            value = str(record.data[field.code])
            return masking.mask_name(value) if field.personal else value
    return ""


def to_public(record: CreditRecord) -> PublicRecord:
    """Public view of a record."""
    return PublicRecord(
        type_name=record.record_type.name,
        document_number=record.document_number,
        decision_on=record.decision_on.isoformat(),
        department=record.department.name,
        summary=summary_of(record),
        severity=record.severity,
        adverse=record.record_type.adverse,
        record_id=record.id,
        under_objection=record.under_objection,
    )


LISTING_COLUMNS = {
    # catalogue code → (category field, columns shown: (field, heading))
    "xzcf": ("CF_CFLB", (("CF_WSH", "决定文书号"), ("CF_XDR_MC", "行政相对人"), ("CF_CFLB", "处罚类别"),
                         ("CF_NR", "处罚内容"), ("CF_JDRQ", "决定日期"), ("CF_CFJG", "处罚机关"))),
    "xzxk": ("XK_XKLB", (("XK_WSH", "决定文书号"), ("XK_XDR_MC", "行政相对人"), ("XK_XKLB", "许可类别"),
                         ("XK_XKZS", "许可证书"), ("XK_JDRQ", "决定日期"), ("XK_YXQZI", "有效期至"), ("XK_XKJG", "许可机关"))),
}


@dataclass(frozen=True)
class ListingRow:
    """One line of a 双公示 listing, personal data masked."""

    cells: tuple[str, ...]
    subject_code: str | None
    record_id: int = 0
    under_objection: bool = False  # 异议处理中 (F7)


def listing_row(record: CreditRecord, columns: tuple[tuple[str, str], ...]) -> ListingRow:
    """Cells of a listing line; a natural person's name is masked, their page is not linked."""
    person = record.data.get(next((c for c in record.data if c.endswith("_XDR_LB")), ""), "") == "自然人"
    cells = []
    for code, _heading in columns:
        value = str(record.data.get(code) or "")
        if person and code.endswith("_XDR_MC"):
            value = masking.mask_name(value)
        cells.append(value)
    return ListingRow(tuple(cells), None if person else record.subject.uscc, record.id, record.under_objection)
