"""Repair application in and out (API and portal form share RepairIn)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from xinyong.repairs.states import TargetKind

Short = Annotated[str, Field(max_length=64)]


class RepairIn(BaseModel):
    """What an applicant submits; the subject is named by credit code, or by a person's document."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject_code: str | None = Field(None, max_length=18, description="统一社会信用代码（法人及非法人组织、个体工商户）")
    document_type: str | None = Field(None, max_length=32, description="自然人证件类型，如 居民身份证")
    document_number: str | None = Field(None, max_length=40, description="自然人证件号码（不会被保存为明文）")
    target_kind: TargetKind = Field(description="record 信用记录（如行政处罚）/ list_entry 名单条目")
    decision_number: str | None = Field(None, max_length=128, description="行政处罚等决定文书号（修复信用记录时必填）")
    list_entry_id: int | None = Field(None, ge=1, description="名单条目编号（修复名单条目时必填）")
    contact_name: str = Field(min_length=1, max_length=50, description="联系人")
    contact_phone: str = Field(pattern=r"^[0-9+\-() ]{5,20}$", description="联系电话")
    statement: str = Field(min_length=1, max_length=2000, description="纠正失信行为、履行法定义务的情况说明")
    accept_commitment: bool = Field(description="是否接受信用承诺书（须为 true）")
    credit_report_number: Short | None = Field(None, description="信用报告编号（规则要求时必填）")
    training_certificate: Short | None = Field(None, description="信用修复培训证明编号（规则要求时必填）")


class AttachmentIn(BaseModel):
    """One evidence file in a JSON application."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(min_length=1, max_length=20_000_000)


class RepairApiIn(RepairIn):
    """A JSON application with its evidence files (base64, at most 5)."""

    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=5)


class HistoryOut(BaseModel):
    """One status change."""

    occurred_at: dt.datetime
    from_state: str
    to_state: str
    reason: str | None


class NoticeOut(BaseModel):
    """A notice issued on the application."""

    id: int
    kind: str
    number: str
    title: str
    issued_at: dt.datetime


class RepairOut(BaseModel):
    """An application as the applicant sees it (subject masked where it is a person)."""

    tracking_code: str
    status: str
    status_label: str
    subject_name: str
    target: str
    severity: str
    submitted_on: dt.date
    accept_due_on: dt.date
    decide_due_on: dt.date
    rule: str = Field(description="适用的修复规则及条款")
    rule_effective_on: dt.date
    decision_reason: str | None
    notices: list[NoticeOut]
    history: list[HistoryOut]
