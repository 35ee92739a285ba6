"""Pydantic shapes of the lists domain (API in and out)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xinyong.lists.definitions import ExitReason

FACTS_MAX = 4000


class SubjectRef(BaseModel):
    """Who is listed: a 统一社会信用代码, or a person's document type and number."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(None, max_length=40, description="统一社会信用代码")
    document_type: str | None = Field(None, max_length=32, description="证件类型（自然人）")
    document_number: str | None = Field(None, max_length=40, description="证件号码（自然人）")


class EntryProposal(BaseModel):
    """A department's proposal to list a subject (初步认定)."""

    model_config = ConfigDict(extra="forbid")

    list_type: str = Field(max_length=32, description="名单类型代码")
    subject: SubjectRef
    facts: str = Field(min_length=1, max_length=FACTS_MAX, description="列入事由（认定的事实）")
    basis_note: str | None = Field(None, max_length=500, description="认定依据补充说明（条款以名单类型为准）")
    recognised_on: dt.date = Field(description="认定日期")
    valid_from: dt.date | None = Field(None, description="有效期起（默认认定日期）")
    valid_until: dt.date | None = Field(None, description="有效期止（默认按名单类型的有效期计算）")
    source_record_id: int | None = Field(None, description="据以认定的信用记录")


class NoticeIn(BaseModel):
    """A delivered prior notice (告知)."""

    model_config = ConfigDict(extra="forbid")

    notice_text: str = Field(min_length=1, max_length=FACTS_MAX, description="告知书内容")
    delivered_on: dt.date = Field(description="送达日期")


class ExitIn(BaseModel):
    """Why an entry exits."""

    model_config = ConfigDict(extra="forbid")

    reason: ExitReason
    note: str | None = Field(None, max_length=2000)


class ReasonIn(BaseModel):
    """A free-text reason (withdrawal, suspension)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class EntryOut(BaseModel):
    """An entry as the API shows it (persons masked)."""

    id: int
    list_type: str
    list_type_name: str
    kind: str
    domain: str
    status: str
    status_label: str
    subject_name: str
    subject_code: str | None
    subject_masked_id: str | None
    legal_representative: str | None
    facts: str
    basis: str
    recognising_department: str
    recognised_on: dt.date
    valid_from: dt.date
    valid_until: dt.date
    objection_until: dt.date | None
    exit_reason: str | None
    exited_at: dt.datetime | None
