"""Presenting credit records publicly (masked) until the collection issue adds the pipeline."""

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
    )
