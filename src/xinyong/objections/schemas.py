"""Shapes of objections in and out of the API; lengths are checked in the service with Chinese messages."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

USCC_TYPE = "统一社会信用代码"


class EvidenceIn(BaseModel):
    """One evidence file sent in JSON."""

    filename: str = Field(max_length=400)
    content_base64: str = Field(description="文件内容（Base64）")


class ObjectionIn(BaseModel):
    """An objection to one public record or one published list entry."""

    record_id: int | None = Field(None, ge=1, description="信用记录编号（与 list_entry_id 二选一）")
    list_entry_id: int | None = Field(None, ge=1, description="名单条目编号（与 record_id 二选一）")
    applicant_kind: str = Field("subject", description="subject 信用主体本人 / agent 代理人；部门密钥调用时为 department")
    applicant_name: str = Field("", description="申请人姓名或名称（不超过 100 字）")
    applicant_document_type: str = Field(USCC_TYPE, description="统一社会信用代码，或自然人证件类型（如 居民身份证）")
    applicant_document: str = Field("", description="申请人统一社会信用代码或证件号码")
    contact_phone: str = Field("", description="联系电话")
    contact_address: str = Field("", description="联系地址（可选，不超过 200 字）")
    claim: str = Field("", description="异议事实和理由（不超过 2000 字）")
    request_text: str = Field("", description="请求更正的内容（可选，不超过 1000 字）")
    evidence: list[EvidenceIn] = Field(default_factory=list, description="证明材料（PDF、JPG、PNG，至多 5 个）")


class NoticeOut(BaseModel):
    """A notice issued on an objection."""

    kind: str
    title: str
    number: str
    issued_at: dt.datetime


class StatusStep(BaseModel):
    """One step of the public history."""

    occurred_at: dt.datetime
    status: str
    status_label: str
    reason: str | None


class ObjectionReceipt(BaseModel):
    """What the applicant gets back: the tracking code and deadlines (no personal data)."""

    tracking_code: str = Field(description="查询码：凭查询码和证件号码后四位查询进度")
    status: str
    status_label: str
    existing: bool = Field(description="同一申请人对同一信息已有处理中的异议时为 true，返回原申请")
    target: str = Field(description="异议对象")
    department: str = Field(description="承办（信息提供）部门")
    submitted_on: dt.date
    accept_due_on: dt.date
    decide_due_on: dt.date


class ObjectionStatusOut(ObjectionReceipt):
    """The status page's content."""

    overdue: bool
    decision_reason: str | None
    remedy: str | None
    history: list[StatusStep]
    notices: list[NoticeOut]


class StatusQuery(BaseModel):
    """Tracking code plus the last four characters of the applicant's ID number or credit code."""

    tracking_code: str = Field(max_length=40)
    id_tail: str = Field(max_length=8)
