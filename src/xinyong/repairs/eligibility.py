"""Which record or list entry an application is about, and whether the rules in force allow its repair."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.catalog.definitions import SeverityClass
from xinyong.codes import DocumentType
from xinyong.crypto import Keyring
from xinyong.errors import InvalidInput
from xinyong.lists.definitions import ListKind
from xinyong.lists.models import ListEntry
from xinyong.lists.states import LIVE_STATUSES
from xinyong.records.publication import add_months
from xinyong.records.states import RecordStatus
from xinyong.repairs import repository
from xinyong.repairs.errors import InvalidRepair, NotEligible, RepairTargetNotFound
from xinyong.repairs.rules import RepairRuleSet
from xinyong.repairs.schemas import RepairIn
from xinyong.repairs.states import TargetKind
from xinyong.subjects import repository as subjects
from xinyong.subjects.models import Subject
from xinyong.subjects.service import find_person
from xinyong.subjects.states import SubjectKind
from xinyong.tracking import id_tail

# Seed 002 三(五)4: black and watch entries may be repaired where their list type allows it; a black
# entry is a 严重 matter, a watch entry an 一般 one. Red entries are rewards; warning entries are derived.
LIST_SEVERITY = {ListKind.BLACK: SeverityClass.SERIOUS, ListKind.WATCH: SeverityClass.GENERAL}


@dataclass(frozen=True)
class Target:
    """What is to be repaired, with the facts the rules look at."""

    kind: TargetKind
    subject: Subject
    department_id: int
    severity: str
    decision_on: dt.date
    label: str
    open_key: str
    record_type_code: str | None = None
    adverse: bool = True
    published: bool = True
    record_id: int | None = None
    list_entry_id: int | None = None
    list_kind: ListKind | None = None
    repair_allowed_by_type: bool = True


@dataclass(frozen=True)
class Verdict:
    """The rule applied to an eligible target: the earliest date and the article cited."""

    earliest_on: dt.date
    article: str


def resolve_subject(session: Session, keyring: Keyring, body: RepairIn) -> tuple[Subject, str]:
    """The subject the applicant names, and the ID tail the tracking page will ask for."""
    if body.subject_code:
        code = body.subject_code.upper()
        found = subjects.get_by_uscc(session, code)
        if found is None:
            raise RepairTargetNotFound(f"未找到统一社会信用代码为 {code} 的主体")
        return found, id_tail(code)
    if body.document_type and body.document_number:
        if body.document_type not in {t.value for t in DocumentType}:
            raise InvalidRepair(f"证件类型“{body.document_type}”无效，应为：{'、'.join(t.value for t in DocumentType)}")
        try:
            person = find_person(session, keyring, body.document_type, body.document_number)
        except (InvalidInput, ValueError):
            raise InvalidRepair(f"证件号码无效：{masking.mask_id_number(body.document_number)}") from None
        if person is None:
            raise RepairTargetNotFound(f"未找到证件号码为 {masking.mask_id_number(body.document_number)} 的主体")
        return person, id_tail(body.document_number)
    raise InvalidRepair("请填写统一社会信用代码，或自然人的证件类型和证件号码")


def resolve_target(session: Session, subject: Subject, body: RepairIn, today: dt.date) -> Target:
    """The record (by decision number) or list entry (by number) of this subject; others are not found."""
    if body.target_kind is TargetKind.RECORD:
        if not body.decision_number:
            raise InvalidRepair("修复信用记录须填写决定文书号")
        record = repository.current_record(session, subject.id, body.decision_number)
        if record is None or record.status is not RecordStatus.EFFECTIVE:
            raise RepairTargetNotFound(f"未找到该主体决定文书号为“{body.decision_number}”的有效信用记录")
        published = (record.withdrawn_at is None and record.publish_from is not None and record.publish_until is not None
                     and record.publish_from <= today <= record.publish_until)
        return Target(TargetKind.RECORD, subject, record.department_id, record.severity, record.decision_on,
                      f"{record.record_type.name} {record.document_number}", f"r:{record.natural_key[:46]}",
                      record_type_code=record.record_type.code, adverse=record.record_type.adverse,
                      published=published and record.repaired_at is None, record_id=record.id)
    if body.list_entry_id is None:
        raise InvalidRepair("修复名单条目须填写名单条目编号")
    entry = session.get(ListEntry, body.list_entry_id)
    if entry is None or entry.subject_id != subject.id or entry.status not in LIVE_STATUSES:
        raise RepairTargetNotFound(f"未找到该主体编号为 {body.list_entry_id} 的有效名单条目")
    kind = entry.list_type.kind
    return Target(TargetKind.LIST_ENTRY, subject, entry.department_id,
                  LIST_SEVERITY.get(kind, SeverityClass.GENERAL).value, entry.recognised_on,
                  f"{entry.list_type.name}（条目 {entry.id}）", f"e:{entry.id}", adverse=kind.adverse,
                  list_entry_id=entry.id, list_kind=kind,
                  repair_allowed_by_type=bool(entry.list_type.definition.get("repair_shortens", False)))


def judge(rules: RepairRuleSet, target: Target, body: RepairIn, submitted_on: dt.date) -> Verdict:
    """Refuse what the rules in force do not allow, with the reason and the article; else the earliest date."""
    where = f"（依据：{rules.citation}"
    if target.record_type_code and (excluded := rules.exclusion_for(target.record_type_code)):
        raise NotEligible(f"不予修复：{excluded.reason}{where}{excluded.article}）")
    if not target.adverse:
        raise NotEligible(f"“{target.label}”不是失信信息，无需信用修复")
    if target.list_kind is ListKind.WARNING:
        raise NotEligible("信用预警名单由平台根据重点关注名单自动派生，不能单独申请修复；"
                          "所涉重点关注名单条目修复退出后，预警名单随之退出")
    if not target.repair_allowed_by_type:
        raise NotEligible(f"不予修复：“{target.label}”所属名单类型的认定依据未规定可通过信用修复提前退出"
                          "（依据：该名单类型的退出条件）")
    rule = rules.classes[SeverityClass(target.severity)]
    if not rule.repairable:
        raise NotEligible(f"不予修复：{rule.reason}{where}{rule.article}）")
    if not target.published:
        raise NotEligible(f"“{target.label}”当前未在公示中（已期满、撤销或已修复），无需信用修复")
    earliest = add_months(target.decision_on, rule.min_months or 0)
    if submitted_on < earliest:
        raise NotEligible(
            f"最短公示期未满：{target.severity}失信信息自决定日期（{target.decision_on}）起须公示满 {rule.min_months} 个月，"
            f"最早可于 {earliest} 申请信用修复{where}{rule.article}）")
    if rule.credit_report and not body.credit_report_number:
        raise InvalidRepair(f"{target.severity}失信信息申请修复须提交信用报告，请填写信用报告编号{where}{rule.article}）")
    if rule.training and not body.training_certificate:
        raise InvalidRepair(f"{target.severity}失信信息申请修复须参加信用修复培训，请填写培训证明编号{where}{rule.article}）")
    return Verdict(earliest, rule.article)


def display_name(subject: Subject) -> str:
    """The subject's name as public pages show it (persons masked)."""
    return masking.mask_name(subject.name) if subject.kind is SubjectKind.NATURAL_PERSON else subject.name
