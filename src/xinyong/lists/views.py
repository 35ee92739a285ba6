"""How entries, types, history and cross-checks are shown: API shapes and the masking of persons."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.audit.models import StateTransition
from xinyong.departments.models import Department
from xinyong.lists import publication, repository
from xinyong.lists.definitions import ListKind
from xinyong.lists.models import ListAnnouncement, ListEntry, ListType
from xinyong.lists.schemas import EntryOut
from xinyong.lists.states import ENTRY_LABELS, EntryStatus

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def is_person(entry: ListEntry) -> bool:
    """Natural persons carry a masked document number instead of a 统一社会信用代码."""
    return entry.subject_masked_id is not None


def public_name(entry: ListEntry) -> str:
    """The subject's name as the public may see it."""
    return masking.mask_name(entry.subject_name) if is_person(entry) else entry.subject_name


def mask_facts(entry: ListEntry) -> str:
    """Facts with personal names, document numbers and mobile numbers masked."""
    text = entry.facts
    names = [entry.legal_representative] + ([entry.subject_name] if is_person(entry) else [])
    for name in filter(None, names):
        text = text.replace(name, masking.mask_name(name))
    text = _ID_NUMBER.sub(lambda m: masking.mask_id_number(m.group()), text)
    return _MOBILE.sub(lambda m: masking.mask_phone(m.group()), text)


class ListTypeOut(BaseModel):
    """A list type with its legal basis, criteria, validity and exit conditions."""

    code: str
    name: str
    kind: str = Field(description="名单类别：红名单、严重失信主体名单、重点关注名单、信用预警名单")
    domain: str = Field(description="重点领域")
    recognising_department: str
    legal_basis: list[str] = Field(description="认定依据（文件及条款）")
    criteria: str
    validity_months: int
    exit_conditions: list[str]
    notice_required: bool = Field(description="法人等主体是否须事前告知（自然人一律告知）")
    objection_days: int = Field(description="告知送达后的异议期（工作日）")
    public: bool = Field(description="是否在门户公示")
    active: bool

    @classmethod
    def of(cls, t: ListType) -> ListTypeOut:
        """Build from a stored list type."""
        d = t.definition
        return cls(code=t.code, name=t.name, kind=t.kind.value, domain=t.domain.value,
                   recognising_department=d["recognising_department"],
                   legal_basis=[f"{b['document']}{b['article']}" for b in d["legal_basis"]], criteria=d["criteria"],
                   validity_months=d["validity_months"], exit_conditions=list(d["exit_conditions"]),
                   notice_required=d.get("notice_required", True), objection_days=d.get("objection_days", 5),
                   public=publication.is_public_type(t), active=t.is_active)


class PublicEntryOut(BaseModel):
    """A published entry: persons appear only masked."""

    id: int
    list_type: str
    list_type_name: str
    kind: str
    domain: str
    is_person: bool = Field(description="是否自然人")
    subject_name: str = Field(description="主体名称（自然人已脱敏）")
    subject_code: str | None = Field(None, description="统一社会信用代码")
    subject_document: str | None = Field(None, description="自然人证件号码（脱敏）")
    legal_representative: str | None = Field(None, description="法定代表人（负责人），已脱敏")
    facts: str = Field(description="列入事由（个人信息已脱敏）")
    basis: str = Field(description="认定依据")
    recognising_department: str
    recognised_on: dt.date
    valid_from: dt.date
    valid_until: dt.date
    under_objection: bool = Field(False, description="异议处理中（严重失信主体名单条目核查期间暂停实施惩戒措施）")

    @classmethod
    def of(cls, entry: ListEntry, department: str) -> PublicEntryOut:
        """Build from an entry, masking persons."""
        rep = entry.legal_representative
        return cls(id=entry.id, list_type=entry.list_type.code, list_type_name=entry.list_type.name,
                   kind=entry.list_type.kind.value, domain=entry.list_type.domain.value, is_person=is_person(entry),
                   subject_name=public_name(entry), subject_code=entry.subject_code,
                   subject_document=entry.subject_masked_id, legal_representative=masking.mask_name(rep) if rep else None,
                   facts=mask_facts(entry), basis=entry.basis, recognising_department=department,
                   recognised_on=entry.recognised_on, valid_from=entry.valid_from, valid_until=entry.valid_until,
                   under_objection=entry.under_objection)


class PublicPage(BaseModel):
    """One page of published entries."""

    total: int
    page: int
    page_size: int
    items: list[PublicEntryOut]


class AnnouncementOut(BaseModel):
    """An exit announcement (退出公告)."""

    id: int
    number: str
    title: str
    body: str
    published_at: dt.datetime
    entry_id: int
    list_type_name: str


class AnnouncementPage(BaseModel):
    """One page of exit announcements."""

    total: int
    page: int
    page_size: int
    items: list[AnnouncementOut]


class HistoryItem(BaseModel):
    """One state change of an entry."""

    from_state: str
    from_label: str
    to_state: str
    to_label: str
    occurred_at: dt.datetime
    actor: str
    reason: str | None


class ConflictOut(BaseModel):
    """A live entry found by the red/black cross-check."""

    id: int
    list_type: str
    list_type_name: str
    kind: str
    status: str
    status_label: str
    valid_until: dt.date


class CrossCheckOut(BaseModel):
    """Result of the red/black cross-check (交叉比对) of one entry."""

    passed: bool = Field(description="是否可以批准（红名单遇到黑名单或重点关注名单时为 false）")
    note: str
    conflicts: list[ConflictOut]


class EntryDetailOut(EntryOut):
    """An entry with its due-process dates, history and exit announcement."""

    department_uscc: str | None = None
    notice_delivered_on: dt.date | None = None
    publish_due_on: dt.date | None = None
    effective_at: dt.datetime | None = None
    exit_note: str | None = None
    history: list[HistoryItem] = Field(default_factory=list)
    announcement: AnnouncementOut | None = None


class ApproveOut(BaseModel):
    """The approved entry and the cross-check made before approval."""

    entry: EntryOut
    cross_check: CrossCheckOut


def status_label(status: str) -> str:
    """Chinese label of an entry status ('' for the creation row)."""
    try:
        return ENTRY_LABELS[EntryStatus(status)]
    except ValueError:
        return "（新建）" if not status else status


def entry_out(entry: ListEntry, department: str) -> EntryOut:
    """An entry for authorised callers (persons still masked)."""
    rep = entry.legal_representative
    return EntryOut(id=entry.id, list_type=entry.list_type.code, list_type_name=entry.list_type.name,
                    kind=entry.list_type.kind.value, domain=entry.list_type.domain.value, status=entry.status.value,
                    status_label=ENTRY_LABELS[entry.status], subject_name=public_name(entry),
                    subject_code=entry.subject_code, subject_masked_id=entry.subject_masked_id,
                    legal_representative=masking.mask_name(rep) if rep else None, facts=mask_facts(entry), basis=entry.basis,
                    recognising_department=department, recognised_on=entry.recognised_on,
                    valid_from=entry.valid_from, valid_until=entry.valid_until, objection_until=entry.objection_until,
                    exit_reason=entry.exit_reason.value if entry.exit_reason else None, exited_at=entry.exited_at)


def history_out(rows: Sequence[StateTransition]) -> list[HistoryItem]:
    """History rows with Chinese labels."""
    return [HistoryItem(from_state=r.from_state, from_label=status_label(r.from_state), to_state=r.to_state,
                        to_label=status_label(r.to_state), occurred_at=r.occurred_at, actor=r.actor, reason=r.reason)
            for r in rows]


def announcement_out(a: ListAnnouncement, entry: ListEntry) -> AnnouncementOut:
    """An announcement with its list type's name."""
    return AnnouncementOut(id=a.id, number=a.number, title=a.title, body=a.body, published_at=a.published_at,
                           entry_id=a.entry_id, list_type_name=entry.list_type.name)


def entry_detail(session: Session, entry: ListEntry) -> EntryDetailOut:
    """Everything about one entry for the console and the API."""
    dept = session.get(Department, entry.department_id)
    found = repository.announcement_of(session, entry.id)
    return EntryDetailOut(
        **entry_out(entry, dept.name if dept else "").model_dump(), department_uscc=dept.uscc if dept else None,
        notice_delivered_on=entry.notice_delivered_on, publish_due_on=entry.publish_due_on,
        effective_at=entry.effective_at, exit_note=entry.exit_note,
        history=history_out(publication.history(session, entry.id)),
        announcement=announcement_out(found, entry) if found else None)


def cross_check_out(entry: ListEntry, conflicts: Sequence[ListEntry]) -> CrossCheckOut:
    """Explain a cross-check result in Chinese."""
    kind = entry.list_type.kind
    items = [ConflictOut(id=c.id, list_type=c.list_type.code, list_type_name=c.list_type.name,
                         kind=c.list_type.kind.value, status=c.status.value, status_label=ENTRY_LABELS[c.status],
                         valid_until=c.valid_until) for c in conflicts]
    if kind is ListKind.WARNING:
        return CrossCheckOut(passed=True, note="信用预警名单由平台派生，不做红黑名单交叉比对", conflicts=[])
    if not items:
        return CrossCheckOut(passed=True, note="交叉比对通过：未发现冲突的名单条目", conflicts=[])
    names = "、".join(f"{c.list_type_name}（条目 {c.id}）" for c in items)
    if kind is ListKind.RED:
        return CrossCheckOut(passed=False, note=f"交叉比对未通过：该主体在{names}中，不能列入红名单", conflicts=items)
    return CrossCheckOut(passed=True, note=f"该主体在{names}中；批准后将依规从红名单中移出并发布退出公告",
                         conflicts=items)


def public_entries(session: Session, entries: Sequence[ListEntry]) -> list[PublicEntryOut]:
    """Published entries with their departments' names."""
    names = publication.department_names(session, [e.department_id for e in entries])
    return [PublicEntryOut.of(e, names.get(e.department_id, "")) for e in entries]


def announcements(session: Session, rows: Sequence[ListAnnouncement]) -> list[AnnouncementOut]:
    """Announcements with their list types' names."""
    by_id = publication.entries_of(session, [a.entry_id for a in rows])
    return [announcement_out(a, by_id[a.entry_id]) for a in rows]
