"""Pydantic shapes of the check API (触发-响应-反馈)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xinyong.measures.definitions import Matter


class SubjectQuery(BaseModel):
    """Whom the business system is handling: a code, a person's document, or a name (+ region)."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(None, max_length=40, description="统一社会信用代码")
    document_type: str | None = Field(None, max_length=32, description="证件类型（自然人）")
    document_number: str | None = Field(None, max_length=40, description="证件号码（自然人）")
    name: str | None = Field(None, max_length=200, description="名称（无代码时），可能匹配多个主体")
    region: str | None = Field(None, max_length=6, description="行政区划代码前缀，用于按名称查询时缩小范围")


class CheckIn(BaseModel):
    """POST /api/v1/checks."""

    model_config = ConfigDict(extra="forbid")

    subject: SubjectQuery
    matter: Matter = Field(description="办理事项")
    department: str | None = Field(None, max_length=18, description="办理部门统一社会信用代码（部门账号可省略）")


class SubjectOut(BaseModel):
    """The subject as the business system may see it (persons masked)."""

    id: int
    kind: str
    name: str
    code: str | None
    masked_id: str | None


class EntryHit(BaseModel):
    """A live list entry of the subject (or of a company it represents)."""

    entry_id: int
    list_type: str
    list_type_name: str
    kind: str
    domain: str
    status: str = Field(description="effective 有效 / suspended 异议核查中（暂停，不触发措施）")
    valid_until: dt.date
    basis: str
    recognising_department: str
    via: str = Field(description="self 本主体 / legal_representative 其担任法定代表人的单位")
    via_subject: str | None = None


class MeasureHit(BaseModel):
    """A measure that applies to this matter, with where it comes from."""

    code: str
    name: str
    kind: str
    mandatory: bool
    legal_basis: str
    departments: list[str]
    reaches_persons: bool
    entry_ids: list[int]


class GreenChannel(BaseModel):
    """绿色通道/容缺受理 eligibility: no adverse record for 3 years, where the data allows."""

    eligible: bool
    reason: str


class CheckOut(BaseModel):
    """The answer, kept as given under its check id."""

    check_id: int
    checked_at: dt.datetime
    matter: str
    found: bool
    subject: SubjectOut | None
    candidates: list[SubjectOut] = Field(default_factory=list, description="按名称匹配到多个主体时全部返回，不替调用方挑选")
    entries: list[EntryHit]
    measures: list[MeasureHit] = Field(description="强制性在前")
    green_channel: GreenChannel | None
    feedback_due_on: dt.date
