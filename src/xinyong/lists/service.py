"""List types and the entry workflow up to effect: propose, notify, approve (with the cross-check), withdraw."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.audit.service import record_event
from xinyong.calendar import WorkingCalendar
from xinyong.codes import DocumentType
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.departments.models import Department
from xinyong.errors import IllegalTransition
from xinyong.lists import repository
from xinyong.lists.definitions import ExitReason, ListKind, ListTypeDefinition
from xinyong.lists.errors import (
    CrossCheckConflict,
    DueProcessMissing,
    DuplicateEntry,
    InvalidEntry,
    ListTypeNotFound,
    NotRecognisingDepartment,
    SubjectNotFound,
)
from xinyong.lists.events import move, record_created
from xinyong.lists.models import ListEntry, ListType, ListTypeDepartment
from xinyong.lists.schemas import EntryProposal
from xinyong.lists.states import EntryStatus, entry_machine
from xinyong.records.models import CreditRecord
from xinyong.records.publication import add_months
from xinyong.subjects import repository as subjects
from xinyong.subjects.models import Subject
from xinyong.subjects.service import find_person
from xinyong.subjects.states import SubjectKind

PUBLISH_WITHIN_WORKING_DAYS = 7  # seed 002 三(二)4: reported and published within 7 working days of recognition


def definition_of(list_type: ListType) -> ListTypeDefinition:
    """The parsed configuration of a stored list type."""
    return ListTypeDefinition.model_validate(list_type.definition)


def sync_list_types(session: Session, definitions: Sequence[ListTypeDefinition], *, actor: str = "system",
                    deactivate_missing: bool = True) -> list[str]:
    """Create or refresh list types from configuration; types missing from it are deactivated, never deleted."""
    changed = []
    wanted = {d.code for d in definitions}
    for d in definitions:
        stored = repository.list_type_by_code(session, d.code)
        data = d.model_dump(mode="json")
        if stored is not None and stored.definition == data and stored.is_active:
            continue
        stored = stored or ListType(code=d.code)
        stored.name, stored.kind, stored.domain, stored.definition, stored.is_active = d.name, d.kind, d.domain, data, True
        session.add(stored)
        changed.append(d.code)
    for stored in repository.list_types(session, active_only=True) if deactivate_missing else []:
        if stored.code not in wanted:
            stored.is_active = False
            changed.append(stored.code)
    session.flush()
    for code in changed:
        record_event(session, actor=actor, action="list_type.loaded", entity_type="list_type", entity_id=code)
    return changed


def get_list_type(session: Session, code: str) -> ListType:
    """An active list type or ListTypeNotFound."""
    found = repository.list_type_by_code(session, code)
    if found is None or not found.is_active:
        raise ListTypeNotFound(f"名单类型不存在或已停用：{code}")
    return found


def grant(session: Session, list_type: ListType, department: Department, *, actor: str) -> None:
    """Allow a department to recognise entries of a list type (idempotent)."""
    if not repository.is_granted(session, list_type.id, department.id):
        session.add(ListTypeDepartment(list_type_id=list_type.id, department_id=department.id))
        session.flush()
        record_event(session, actor=actor, action="list_type.granted", entity_type="list_type",
                     entity_id=list_type.code, detail={"department": department.uscc})


def _require_recogniser(session: Session, principal: Principal, list_type: ListType, department: Department) -> None:
    principal.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    principal.require_department(department.id)
    if not repository.is_granted(session, list_type.id, department.id):
        raise NotRecognisingDepartment(f"{department.name}不是“{list_type.name}”的认定部门，不能提出列入")


def _subject(session: Session, keyring: Keyring, proposal: EntryProposal) -> Subject:
    ref = proposal.subject
    if ref.code:
        found = subjects.get_by_uscc(session, ref.code.strip().upper())
        if found is None:
            raise SubjectNotFound(f"主体不存在：统一社会信用代码 {ref.code}（请先归集该主体的信用记录或登记主体）")
        return found
    if ref.document_type and ref.document_number:
        if ref.document_type not in {t.value for t in DocumentType}:
            raise InvalidEntry(f"证件类型“{ref.document_type}”无效，应为：{'、'.join(t.value for t in DocumentType)}")
        person = find_person(session, keyring, ref.document_type, ref.document_number.strip())
        if person is None:
            raise SubjectNotFound(f"主体不存在：{ref.document_type} {masking.mask_id_number(ref.document_number)}")
        return person
    raise InvalidEntry("须提供统一社会信用代码，或自然人的证件类型和证件号码")


def fingerprint(list_type_code: str, subject_id: int, facts: str) -> str:
    """Same type, subject and facts (whitespace ignored) mean the same proposal."""
    text = f"{list_type_code}|{subject_id}|{''.join(facts.split())}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def propose(session: Session, keyring: Keyring, calendar: WorkingCalendar, principal: Principal,
            department: Department, proposal: EntryProposal) -> ListEntry:
    """Record a proposal (初步认定); nothing is published before it becomes effective."""
    list_type = get_list_type(session, proposal.list_type)
    d = definition_of(list_type)
    if d.kind is ListKind.WARNING:
        raise InvalidEntry("信用预警名单由平台根据重点关注名单自动派生，不能直接提出")
    _require_recogniser(session, principal, list_type, department)
    subject = _subject(session, keyring, proposal)
    valid_from = proposal.valid_from or proposal.recognised_on
    valid_until = proposal.valid_until or add_months(valid_from, d.validity_months) - dt.timedelta(days=1)
    if valid_until < valid_from:
        raise InvalidEntry(f"有效期止（{valid_until}）不能早于有效期起（{valid_from}）")
    if valid_until >= add_months(valid_from, d.validity_months):  # the default end is the longest allowed
        raise InvalidEntry(f"有效期不能超过名单类型规定的 {d.validity_months} 个月")
    if proposal.source_record_id is not None:
        record = session.get(CreditRecord, proposal.source_record_id)
        if record is None or record.subject_id != subject.id:
            raise InvalidEntry(f"据以认定的信用记录 {proposal.source_record_id} 不存在或不属于该主体")
    facts = proposal.facts.strip()
    if not facts:
        raise InvalidEntry("列入事由不能为空")
    digest = fingerprint(list_type.code, subject.id, facts)
    if (dup := repository.open_duplicate(session, list_type.id, subject.id, digest)) is not None:
        raise DuplicateEntry(f"该主体已因相同事由被提出列入“{list_type.name}”（名单条目 {dup.id}），不能重复提出")
    return create_entry(session, list_type, subject, department, facts=facts, actor=principal.actor,
                        recognised_on=proposal.recognised_on, valid_from=valid_from, valid_until=valid_until,
                        basis_note=proposal.basis_note, source_record_id=proposal.source_record_id,
                        calendar=calendar)


def create_entry(session: Session, list_type: ListType, subject: Subject, department: Department, *, facts: str,
                 actor: str, recognised_on: dt.date, valid_from: dt.date, valid_until: dt.date,
                 calendar: WorkingCalendar, basis_note: str | None = None, source_record_id: int | None = None,
                 derived_from_id: int | None = None, derivation: str | None = None) -> ListEntry:
    """Insert a proposed entry with its subject snapshot (also used by the derived moves)."""
    d = definition_of(list_type)
    person = subject.kind is SubjectKind.NATURAL_PERSON
    legal_rep = subject.legal_representative.name if subject.legal_representative is not None else None
    entry = ListEntry(
        list_type_id=list_type.id, subject_id=subject.id, department_id=department.id, status=EntryStatus.PROPOSED,
        subject_name=subject.name, subject_code=subject.uscc, legal_representative=legal_rep,
        subject_masked_id=subject.document_masked if person else None,
        facts=facts, basis=d.basis_text + (f"；{basis_note}" if basis_note else ""),
        fingerprint=fingerprint(list_type.code, subject.id, facts), recognised_on=recognised_on,
        valid_from=valid_from, valid_until=valid_until,
        publish_due_on=calendar.add_working_days(recognised_on, PUBLISH_WITHIN_WORKING_DAYS),
        source_record_id=source_record_id, derived_from_id=derived_from_id, derivation=derivation, created_by=actor,
    )
    entry.list_type = list_type
    session.add(entry)
    session.flush()
    record_created(session, entry, actor=actor)
    return entry


def notice_required(entry: ListEntry, subject: Subject) -> bool:
    """Natural persons are always told first (seed 002 三(二)2); others where the list type says so."""
    return subject.kind is SubjectKind.NATURAL_PERSON or definition_of(entry.list_type).notice_required


def record_notice(session: Session, calendar: WorkingCalendar, principal: Principal, entry: ListEntry, *,
                  notice_text: str, delivered_on: dt.date) -> ListEntry:
    """The prior notice (告知) was delivered: the objection window runs from the delivery date."""
    principal.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    principal.require_department(entry.department_id)
    if delivered_on < entry.recognised_on:
        raise InvalidEntry(f"送达日期（{delivered_on}）不能早于认定日期（{entry.recognised_on}）")
    entry_machine.check(entry.status, EntryStatus.NOTIFIED)  # a refused move must not touch the notice fields
    entry.notice_text, entry.notice_delivered_on = notice_text.strip(), delivered_on
    entry.objection_until = calendar.add_working_days(delivered_on, definition_of(entry.list_type).objection_days)
    move(session, entry, EntryStatus.NOTIFIED, actor=principal.actor,
         reason=f"告知书已于 {delivered_on} 送达，异议期至 {entry.objection_until}")
    return entry


def cross_check(session: Session, entry: ListEntry) -> list[ListEntry]:
    """Live entries that conflict with this one: black/watch for a red entry, red for a black/watch one."""
    kind = entry.list_type.kind
    if kind is ListKind.RED:
        conflicting = [ListKind.BLACK, ListKind.WATCH]
    elif kind in (ListKind.BLACK, ListKind.WATCH):
        conflicting = [ListKind.RED]
    else:
        return []
    return [e for e in repository.live_entries_of(session, entry.subject_id, conflicting) if e.id != entry.id]


def approve(session: Session, principal: Principal, entry: ListEntry, *, today: dt.date) -> ListEntry:
    """The credit office makes an entry effective after due process and the red/black cross-check."""
    principal.require(Role.CREDIT_OFFICE_ADMIN)
    entry_machine.check(entry.status, EntryStatus.EFFECTIVE)  # before effective_at or any cross-check exit
    if entry.status is EntryStatus.SUSPENDED:
        raise IllegalTransition("异议核查中的条目不能再次审核通过：异议不成立的，请“恢复”该条目")
    subject = session.get(Subject, entry.subject_id)
    if entry.status is EntryStatus.PROPOSED and notice_required(entry, subject):
        who = "自然人" if subject.kind is SubjectKind.NATURAL_PERSON else "该名单类型的主体"
        raise DueProcessMissing(f"{who}须事前告知：请先登记告知书送达情况")
    if entry.status is EntryStatus.NOTIFIED and entry.objection_until and today <= entry.objection_until:
        raise DueProcessMissing(f"异议期至 {entry.objection_until}（含当日），期满后方可生效")
    conflicts = cross_check(session, entry)
    if entry.list_type.kind is ListKind.RED and conflicts:
        names = "、".join(f"{c.list_type.name}（条目 {c.id}）" for c in conflicts)
        raise CrossCheckConflict(f"交叉比对未通过：该主体在{names}中，不能列入红名单")
    entry.effective_at = utcnow()
    move(session, entry, EntryStatus.EFFECTIVE, actor=principal.actor, reason="审核通过，列入名单并公示")
    if entry.list_type.kind in (ListKind.BLACK, ListKind.WATCH):
        from xinyong.lists.exits import exit_entry

        for red in conflicts:
            exit_entry(session, red, ExitReason.CROSS_CHECK, actor=principal.actor,
                       note=f"该主体被列入{entry.list_type.name}（条目 {entry.id}），依规从红名单中删除")
    return entry


def withdraw(session: Session, principal: Principal, entry: ListEntry, *, reason: str) -> ListEntry:
    """A proposal that will not take effect (wrong facts, objection upheld before effect)."""
    principal.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    principal.require_department(entry.department_id)
    move(session, entry, EntryStatus.WITHDRAWN, actor=principal.actor, reason=reason)
    return entry
