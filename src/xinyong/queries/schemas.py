"""Authorised query requests and the full record they return."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from xinyong.codes import DocumentType

DOC_TYPE = Field(DocumentType.RESIDENT_ID.value, description="证件类型，默认居民身份证")
DOC_NUMBER = Field(description="证件号码", min_length=1, max_length=40)


class AuthorisedQueryIn(BaseModel):
    """An official's query of a person's full record."""

    document_type: str = DOC_TYPE
    document_number: str = DOC_NUMBER
    purpose: str = Field("", description="查询用途代码，见 GET /api/v1/queries/purposes", max_length=32)
    authorisation_kind: str = Field("", description="授权依据类别：consent（本人书面授权）或 legal_basis（法律法规依据）",
                                    max_length=16)
    authorisation_ref: str = Field("", description="本人书面授权编号，或所依据的法律法规条款", max_length=200)


class CodeRequestIn(BaseModel):
    """A person asks for a one-time code to see their own record."""

    document_type: str = DOC_TYPE
    document_number: str = DOC_NUMBER


class SelfQueryIn(CodeRequestIn):
    """A person's own query, with the code sent to their contact on file."""

    code: str = Field(description="短信验证码（6位数字）", min_length=1, max_length=12)


class CodeSentOut(BaseModel):
    """Same answer whether or not the number is registered, so it cannot be used to probe who is."""

    detail: str
    expires_in_minutes: int


class PurposeOut(BaseModel):
    """A configured query purpose."""

    code: str
    name: str
    roles: list[str] = Field(description="可使用该用途的角色")


class PersonOut(BaseModel):
    """The person queried."""

    name: str = Field(description="姓名")
    kind: str
    document_type: str | None
    document: str | None = Field(description="证件号码（脱敏）")
    region_code: str | None


class FullRecordItem(BaseModel):
    """One record about the person, published or not."""

    type_name: str
    document_number: str = Field(description="决定文书号")
    decision_on: dt.date
    department: str
    summary: str
    severity: str
    status: str = Field(description="记录状态")
    in_display: bool = Field(description="当前是否在公示期内")


class FullListItem(BaseModel):
    """One list entry of the person, in any status."""

    list_type_name: str
    kind: str
    status: str
    valid_from: dt.date
    valid_until: dt.date
    facts: str


class OrganisationOut(BaseModel):
    """An organisation the person legally represents."""

    name: str
    uscc: str | None


class FullRecordOut(BaseModel):
    """A person's full credit record, as returned to an authorised query (logged)."""

    query_id: int = Field(description="查询记录编号（查询日志）")
    queried_at: dt.datetime
    purpose: str
    person: PersonOut
    records: list[FullRecordItem]
    list_entries: list[FullListItem]
    represented_organisations: list[OrganisationOut] = Field(description="担任法定代表人（负责人）的组织")
    digest: str = Field(description="返回内容的 SHA-256 摘要，与查询日志中的一致")


class QueryLogOut(BaseModel):
    """One line of the query log (no personal data in clear)."""

    id: int
    queried_at: dt.datetime
    channel: str
    actor: str
    actor_name: str
    actor_role: str
    subject_id: int
    purpose: str
    authorisation_kind: str
    authorisation_ref: str
    result_digest: str
    result_summary: dict[str, int]
