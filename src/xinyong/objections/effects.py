"""What an objection does to its target: the 异议处理中 mark, suspension, correction, revocation, exit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from xinyong.catalog.definitions import FieldType, RecordTypeDefinition
from xinyong.db import utcnow
from xinyong.lists.definitions import ExitReason, ListKind
from xinyong.lists.events import move
from xinyong.lists.exits import exit_entry
from xinyong.lists.models import ListEntry
from xinyong.lists.states import EntryStatus
from xinyong.lists.views import public_name
from xinyong.objections import repository
from xinyong.objections.errors import InvalidObjection
from xinyong.objections.models import Objection
from xinyong.objections.states import Remedy, TargetKind
from xinyong.records.models import ChangeEvent, CreditRecord
from xinyong.records.roles import roles_for
from xinyong.records.states import ChangeKind, RecordStatus, record_machine

VALUE_MAX = 2000


def target_of(session: Session, objection: Objection) -> CreditRecord | ListEntry:
    """The record version or list entry the objection is about."""
    if objection.target_kind is TargetKind.RECORD:
        return session.get(CreditRecord, objection.record_id)
    return session.get(ListEntry, objection.list_entry_id)


def target_text(session: Session, objection: Objection) -> str:
    """The target in one public-safe line (persons on lists masked)."""
    target = target_of(session, objection)
    if isinstance(target, ListEntry):
        return f"{target.list_type.name}：{public_name(target)}（名单条目 {target.id}）"
    return f"{target.record_type.name} {target.document_number}（记录 {target.id}）"


def open_effects(session: Session, objection: Objection, *, actor: str) -> None:
    """At once on submission: mark the target; a black entry is suspended (seed 002 三(五)7: 核实期间暂不执行)."""
    target = target_of(session, objection)
    target.under_objection = True
    if isinstance(target, ListEntry) and target.list_type.kind is ListKind.BLACK \
            and target.status is EntryStatus.EFFECTIVE:
        move(session, target, EntryStatus.SUSPENDED, actor=actor,
             reason=f"异议（{objection.tracking_code}）核查期间暂停实施联合惩戒措施")
    session.flush()


def close_effects(session: Session, objection: Objection, *, actor: str) -> None:
    """Objection not accepted or rejected: the mark goes and a suspended entry applies again."""
    if repository.others_open_on(session, objection):
        return  # another open objection keeps the mark and the suspension
    target = target_of(session, objection)
    target.under_objection = False
    if isinstance(target, ListEntry) and target.status is EntryStatus.SUSPENDED:
        move(session, target, EntryStatus.EFFECTIVE, actor=actor,
             reason=f"异议（{objection.tracking_code}）处理完毕，恢复实施")
    session.flush()


def correctable_fields(record: CreditRecord) -> list[tuple[str, str]]:
    """(code, label) of the fields a correction may change: not identity, number, date or personal data."""
    definition = RecordTypeDefinition.model_validate(record.record_type.definition)
    r = roles_for(definition)
    fixed = {r.category, r.name, r.uscc, r.document_type, r.document_number, r.decision_date,
             *r.record_number, *r.personal}
    return [(f.code, f.label) for f in definition.fields if f.code not in fixed and not f.personal]


def _checked_value(definition: RecordTypeDefinition, code: str, value: str) -> str:
    field = next(f for f in definition.fields if f.code == code)
    limit = field.max_length or VALUE_MAX
    if len(value) > limit:
        raise InvalidObjection(f"“{field.label}”不能超过 {limit} 字")
    if value and field.type is FieldType.DATE:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidObjection(f"“{field.label}”应为 YYYY-MM-DD 格式的日期") from None
    if value and field.type in (FieldType.MONEY, FieldType.INTEGER):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise InvalidObjection(f"“{field.label}”应为数字") from None
        if field.type is FieldType.INTEGER and number != number.to_integral_value():
            raise InvalidObjection(f"“{field.label}”应为整数")
    if value and field.enum and value not in field.enum:
        raise InvalidObjection(f"“{field.label}”应为：{'、'.join(field.enum)}")
    return value


def correct_record(session: Session, record: CreditRecord, changes: dict[str, str], *, actor: str,
                   reason: str) -> CreditRecord:
    """A new version with the corrected fields; the old one is superseded; the feed gets an update event."""
    allowed = dict(correctable_fields(record))
    definition = RecordTypeDefinition.model_validate(record.record_type.definition)
    unknown = [code for code in changes if code not in allowed]
    if unknown:
        raise InvalidObjection(f"这些字段不能通过异议更正：{'、'.join(unknown)}（主体、文书号、决定日期和个人信息须撤销后重新报送）")
    data = dict(record.data)
    for code, value in changes.items():
        value = _checked_value(definition, code, value.strip())
        if value:
            data[code] = value
        else:
            data.pop(code, None)
    if data == record.data:
        raise InvalidObjection("更正内容与原记录相同，请填写需要更正的字段")
    now = utcnow()
    content = json.dumps(data, ensure_ascii=False, sort_keys=True)
    copied = {c.key: getattr(record, c.key) for c in CreditRecord.__table__.columns
              if c.key not in ("id", "created_at", "updated_at", "batch_id", "source_row")}
    corrected = CreditRecord(**{**copied, "version": record.version + 1, "supersedes_id": record.id, "data": data,
                                "content_hash": hashlib.sha256(content.encode()).hexdigest(), "received_at": now,
                                "submitted_by": actor, "under_objection": False, "is_current": True,
                                "status": RecordStatus.EFFECTIVE, "withdrawn_at": None})
    record.is_current = False
    record.withdrawn_at = now
    record_machine.transition(session, record, RecordStatus.SUPERSEDED, actor=actor, reason=reason)
    session.add(corrected)
    session.flush()
    _emit(session, corrected, ChangeKind.UPDATED)
    return corrected


def revoke_record(session: Session, record: CreditRecord, *, actor: str, reason: str) -> CreditRecord:
    """Withdraw the record from publication and sharing at once; the feed gets a revocation event."""
    record.withdrawn_at = utcnow()
    record_machine.transition(session, record, RecordStatus.REVOKED, actor=actor, reason=reason)
    _emit(session, record, ChangeKind.REVOKED)
    return record


def _emit(session: Session, record: CreditRecord, kind: ChangeKind) -> None:
    session.add(ChangeEvent(occurred_at=utcnow(), kind=kind, record_id=record.id, subject_id=record.subject_id,
                            record_type_code=record.record_type.code, natural_key=record.natural_key,
                            version=record.version))
    session.flush()


def apply_remedy(session: Session, objection: Objection, remedy: Remedy, changes: dict[str, str], *,
                 actor: str, reason: str) -> CreditRecord | None:
    """Upheld: correct or revoke the record, or exit the entry; returns the corrected version if any."""
    target = target_of(session, objection)
    note = f"异议（{objection.tracking_code}）成立：{reason}"
    target.under_objection = False
    if remedy is Remedy.CORRECT:
        return correct_record(session, target, changes, actor=actor, reason=note)
    if remedy is Remedy.REVOKE:
        revoke_record(session, target, actor=actor, reason=note)
        return None
    # "误列入" must not lead to the black → watch derived move (lists/tasks.py excludes ExitReason.MISTAKE).
    exit_reason = ExitReason.MISTAKE if remedy is Remedy.EXIT_MISTAKE else ExitReason.CORRECTED
    exit_entry(session, target, exit_reason, actor=actor, note=note)
    return None
