"""Filing an objection: target, applicant, duplicate check, evidence, deadlines and the immediate effects."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong import codes, masking
from xinyong.accounts.service import Principal
from xinyong.attachments.service import check_upload, store_upload
from xinyong.audit.models import StateTransition
from xinyong.audit.service import record_event
from xinyong.calendar import WorkingCalendar
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.departments.models import Department
from xinyong.lists import publication as lists_publication
from xinyong.objections import repository
from xinyong.objections.effects import open_effects
from xinyong.objections.errors import InvalidObjection, ObjectionNotFound, ObjectionTargetNotFound
from xinyong.objections.models import Objection
from xinyong.objections.schemas import USCC_TYPE, ObjectionIn
from xinyong.objections.states import ApplicantKind, ObjectionStatus, TargetKind, objection_machine
from xinyong.subjects.models import Subject
from xinyong.subjects.service import DOCUMENT_PURPOSE
from xinyong.tracking import id_tail, id_tail_matches, new_tracking_code, normalise_tracking_code

OWNER_TYPE = "objection"
MAX_FILES = 5
APPLICANT_PURPOSE = "objection.applicant"
_PHONE = re.compile(r"\+?[0-9][0-9\- ]{4,19}")


@dataclass(frozen=True)
class Evidence:
    """One evidence file as received."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class Filing:
    """The objection and whether it already existed (double submission)."""

    objection: Objection
    existing: bool


def _text(value: str | None, label: str, limit: int, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidObjection(f"请填写{label}")
        return None
    if len(text) > limit:
        raise InvalidObjection(f"{label}不能超过 {limit} 字（现为 {len(text)} 字）")
    return text


def _target(session: Session, payload: ObjectionIn, today: dt.date,
            department_caller: bool) -> tuple[TargetKind, int, int, int]:
    """(kind, id, subject, source department) of a public record or a live entry of a public list type.

    A suspended entry stays a target (others may object too); a department applying measures sees live entries of
    unpublished types through the check API and may object to those as well.
    """
    if (payload.record_id is None) == (payload.list_entry_id is None):
        raise InvalidObjection("请指定一条信用记录或一个名单条目（二选一）作为异议对象")
    if payload.record_id is not None:
        record = repository.public_record(session, payload.record_id, today)
        if record is None:
            raise ObjectionTargetNotFound(f"信用记录 {payload.record_id} 不存在或未在公示，不能对其提出异议")
        return TargetKind.RECORD, record.id, record.subject_id, record.department_id
    entry = lists_publication.live_entry(session, payload.list_entry_id, today)
    if entry is not None and not (department_caller or lists_publication.is_public_type(entry.list_type)):
        entry = None
    if entry is None:
        raise ObjectionTargetNotFound(f"名单条目 {payload.list_entry_id} 不存在或未在公示，不能对其提出异议")
    return TargetKind.LIST_ENTRY, entry.id, entry.subject_id, entry.department_id


def _document(doc_type: str, number: str) -> str:
    if not number.strip():
        raise InvalidObjection("请填写申请人的统一社会信用代码或证件号码")
    if doc_type == USCC_TYPE:
        return codes.validate_uscc(number)
    if doc_type not in {t.value for t in codes.DocumentType}:
        raise InvalidObjection(f"证件类型“{doc_type[:20]}”无效，应为：{USCC_TYPE}、{'、'.join(t.value for t in codes.DocumentType)}")
    return codes.validate_document(doc_type, number)


def _is_subject(keyring: Keyring, subject: Subject, doc_type: str, number: str) -> bool:
    if doc_type == USCC_TYPE:
        return subject.uscc == number
    digest = keyring.lookup_hash(number, f"{DOCUMENT_PURPOSE}:{doc_type}")
    return subject.document_type == doc_type and subject.document_hash == digest


def _applicant(session: Session, keyring: Keyring, payload: ObjectionIn, principal: Principal | None,
               subject: Subject) -> tuple[ApplicantKind, str, str, str]:
    """(kind, name, document type, normalised document) of whoever raises the objection."""
    if principal is not None and principal.department_id is not None:
        department = session.get(Department, principal.department_id)
        return ApplicantKind.DEPARTMENT, department.name, USCC_TYPE, department.uscc
    try:
        kind = ApplicantKind(payload.applicant_kind)
    except ValueError:
        kind = None
    if kind not in (ApplicantKind.SUBJECT, ApplicantKind.AGENT):
        raise InvalidObjection("申请人类别应为 subject（信用主体本人）或 agent（代理人）")
    name = _text(payload.applicant_name, "申请人姓名或名称", 100)
    doc_type = (payload.applicant_document_type or USCC_TYPE).strip()
    number = _document(doc_type, payload.applicant_document)
    if kind is ApplicantKind.SUBJECT and not _is_subject(keyring, subject, doc_type, number):
        raise InvalidObjection("申请人证件与异议信息的主体不一致；受委托代为申请的，请选择“代理人”并上传授权委托书")
    return kind, name, doc_type, number


def _phone(value: str, required: bool) -> str:
    phone = _text(value, "联系电话", 20, required=required) or ""
    if phone and not _PHONE.fullmatch(phone):
        raise InvalidObjection("联系电话格式不正确，只能包含数字、空格、“-”和开头的“+”")
    return phone


def submit(session: Session, keyring: Keyring, settings: Settings, calendar: WorkingCalendar, payload: ObjectionIn,
           evidence: list[Evidence], *, principal: Principal | None, today: dt.date) -> Filing:
    """File an objection; the same applicant's open objection on the same target is returned instead."""
    department_caller = principal is not None and principal.department_id is not None
    kind, target_id, subject_id, department_id = _target(session, payload, today, department_caller)
    subject = session.get(Subject, subject_id)
    applicant_kind, name, doc_type, number = _applicant(session, keyring, payload, principal, subject)
    applicant_hash = keyring.lookup_hash(f"{doc_type}:{number}", APPLICANT_PURPOSE)
    if (existing := repository.open_duplicate(session, applicant_hash, kind, target_id)) is not None:
        return Filing(existing, existing=True)
    phone = _phone(payload.contact_phone, required=applicant_kind is not ApplicantKind.DEPARTMENT)
    address = _text(payload.contact_address, "联系地址", 200, required=False)
    claim = _text(payload.claim, "异议事实和理由", 2000)
    request_text = _text(payload.request_text, "请求更正的内容", 1000, required=False)
    if applicant_kind is ApplicantKind.AGENT and not evidence:
        raise InvalidObjection("代理人提出异议须上传信用主体出具的授权委托书")
    if len(evidence) > MAX_FILES:
        raise InvalidObjection(f"证明材料至多 {MAX_FILES} 个文件")
    for item in evidence:  # every file is checked before anything is written
        check_upload(settings, item.filename, item.content)
    code = new_tracking_code("YY", today)
    while repository.by_tracking_code(session, code) is not None:
        code = new_tracking_code("YY", today)
    actor = principal.actor if principal is not None else "public"
    objection = Objection(
        tracking_code=code, status=ObjectionStatus.SUBMITTED, target_kind=kind,
        record_id=target_id if kind is TargetKind.RECORD else None,
        list_entry_id=target_id if kind is TargetKind.LIST_ENTRY else None, subject_id=subject_id,
        department_id=department_id, applicant_kind=applicant_kind, applicant_name=name,
        applicant_document_hash=applicant_hash,
        applicant_document_masked=number if doc_type == USCC_TYPE else masking.mask_document(doc_type, number),
        applicant_id_tail=id_tail(number), contact_phone=phone, contact_address=address, claim=claim,
        request_text=request_text, submitted_by=actor, submitted_on=today,
        accept_due_on=calendar.add_working_days(today, settings.objection_accept_days),
        decide_due_on=calendar.add_working_days(today, settings.objection_decide_days),
    )
    session.add(objection)
    session.flush()
    session.add(StateTransition(entity_type=objection_machine.entity_type, entity_id=str(objection.id), from_state="",
                                to_state=str(ObjectionStatus.SUBMITTED), actor=actor, reason="提出异议"))
    record_event(session, actor=actor, action="objection.submitted", entity_type="objection", entity_id=objection.id,
                 detail={"target": str(kind), "target_id": target_id, "applicant_kind": str(applicant_kind)})
    for item in evidence:
        store_upload(session, settings, filename=item.filename, content=item.content, owner_type=OWNER_TYPE,
                     owner_id=objection.id, uploaded_by=actor)
    open_effects(session, objection, actor=actor)
    return Filing(objection, existing=False)


def find_for_applicant(session: Session, tracking_code: str, given_tail: str) -> Objection:
    """The objection behind a tracking code, only with the right ID tail; one message for either mistake."""
    objection = repository.by_tracking_code(session, normalise_tracking_code(tracking_code)[:40])
    if objection is None or not id_tail_matches(objection.applicant_id_tail, given_tail):
        raise ObjectionNotFound("查询码或证件号码后四位不正确，请核对后重试")
    return objection
