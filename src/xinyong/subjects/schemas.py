"""Subject data as the public API shows it (personal data masked)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from xinyong import masking
from xinyong.codes import region_name
from xinyong.lists.views import PublicEntryOut
from xinyong.subjects.models import Subject
from xinyong.subjects.search import Hit, SearchPage
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


class SearchHit(SubjectSummary):
    """A ranked search hit with its list badges."""

    match: str = Field(description="命中方式：统一社会信用代码、名称、拼音首字母、决定文书号或证件号码")
    rank: int = Field(description="排序层级：0 代码或文书号完全一致，1 前缀一致，2 包含")
    lists: list[str] = Field(default_factory=list, description="当前公示中的信用名单类别（红名单、严重失信主体名单、重点关注名单、信用预警名单）")
    document: str | None = Field(None, description="自然人证件号码（脱敏）")

    @classmethod
    def of_hit(cls, hit: Hit) -> SearchHit:
        """Build from a ranked hit; persons only masked."""
        person = hit.subject.kind == SubjectKind.NATURAL_PERSON
        return cls(**SubjectSummary.of(hit.subject).model_dump(), match=hit.match, rank=hit.rank, lists=hit.lists,
                   document=hit.subject.document_masked if person else None)


class SearchResult(BaseModel):
    """Public search answer."""

    query: str
    total: int = Field(description="命中数（最多统计到可浏览深度）")
    capped: bool = Field(False, description="命中超过可浏览深度（500条），请缩小查询范围")
    page: int = Field(1, description="页码")
    size: int = Field(20, description="每页条数")
    results: list[SearchHit]

    @classmethod
    def of(cls, page: SearchPage) -> SearchResult:
        """Build from a search page."""
        return cls(query=page.query, total=page.total, capped=page.capped, page=page.page, size=page.size,
                   results=[SearchHit.of_hit(h) for h in page.hits])


class RecordOut(BaseModel):
    """A record in display (公示中), personal data masked."""

    type_name: str = Field(description="信息类别，如行政许可、行政处罚")
    document_number: str = Field(description="决定文书号")
    decision_on: str = Field(description="决定日期")
    department: str = Field(description="决定部门")
    summary: str = Field(description="内容（个人信息已脱敏）")
    severity: str = Field(description="严重程度")
    adverse: bool = Field(description="是否失信信息")
    record_id: int = Field(0, description="记录编号（提出异议时引用）")
    under_objection: bool = Field(False, description="是否异议处理中")


class ObjectionMark(BaseModel):
    """Something about the subject that is under objection (异议处理中)."""

    target: str = Field(description="异议对象：record（公示信息）或 list_entry（名单条目）")
    reference: str = Field(description="决定文书号或名单名称")
    filed_on: dt.date | None = Field(None, description="异议提出日期")
    status: str = Field("异议处理中", description="异议处理状态")


class SubjectProfileOut(SubjectProfile):
    """Everything the public may see about one subject."""

    records: list[RecordOut] = Field(default_factory=list, description="公示期内的行政许可、行政处罚等信息，新的在前")
    lists: list[PublicEntryOut] = Field(default_factory=list, description="在有效期内公示的信用名单条目")
    commitments: list[dict[str, str]] = Field(
        default_factory=list,
        description="信用承诺（F10）。信用承诺功能尚未建设，目前恒为空列表；建成后列出公开的承诺及履约情况")
    under_objection: list[ObjectionMark] = Field(
        default_factory=list,
        description="处于异议处理中的公示信息和名单条目（F7）。异议模块尚未提供查询接口时为空列表")
