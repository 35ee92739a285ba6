"""Subject data as the public API shows it (personal data masked)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from xinyong import masking
from xinyong.codes import region_name
from xinyong.subjects.models import Subject
from xinyong.subjects.states import SubjectKind


class SubjectSummary(BaseModel):
    """A search hit."""

    kind: str = Field(description="主体类别")
    name: str = Field(description="名称（自然人已脱敏）")
    uscc: str | None = Field(None, description="统一社会信用代码")
    region_code: str | None = Field(None, description="行政区划代码")
    region: str | None = Field(None, description="行政区划名称")

    @classmethod
    def of(cls, subject: Subject) -> SubjectSummary:
        """Build from an ORM subject, masking persons."""
        person = subject.kind == SubjectKind.NATURAL_PERSON
        return cls(
            kind=subject.kind,
            name=masking.mask_name(subject.name) if person else subject.name,
            uscc=subject.uscc,
            region_code=subject.region_code,
            region=region_name(subject.region_code) if subject.region_code else None,
        )


class SubjectProfile(SubjectSummary):
    """Public basic information of one subject."""

    lei: str | None = Field(None, description="法人机构识别编码 (LEI)")
    registered_on: dt.date | None = Field(None, description="成立日期")
    address: str | None = Field(None, description="住所（自然人已脱敏）")
    legal_representative: str | None = Field(None, description="法定代表人（负责人），已脱敏")
    is_agency: bool = Field(False, description="是否政府机构")

    @classmethod
    def of(cls, subject: Subject) -> SubjectProfile:
        """Build from an ORM subject, masking everything personal."""
        base = SubjectSummary.of(subject).model_dump()
        rep = subject.legal_representative
        return cls(
            **base,
            lei=subject.lei,
            registered_on=subject.registered_on,
            address=subject.address,
            legal_representative=masking.mask_name(rep.name) if rep is not None else None,
            is_agency=subject.is_agency,
        )


class SearchResult(BaseModel):
    """Public search answer."""

    query: str
    total: int
    results: list[SubjectSummary]
