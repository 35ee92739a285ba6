"""Submit a repair application (eligibility by the rules in force on the submission date) and read it back."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.attachments.service import store_upload
from xinyong.calendar import WorkingCalendar
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.repairs import repository
from xinyong.repairs.eligibility import display_name, judge, resolve_subject, resolve_target
from xinyong.repairs.errors import DuplicateRepair, InvalidRepair, RepairNotFound
from xinyong.repairs.models import RepairApplication
from xinyong.repairs.rules import RepairRuleSet, active_rules, rule_set_on
from xinyong.repairs.schemas import AttachmentIn, HistoryOut, NoticeOut, RepairIn, RepairOut
from xinyong.repairs.states import REPAIR_LABELS, repair_machine
from xinyong.tracking import id_tail_matches, new_tracking_code, normalise_tracking_code

OWNER_TYPE = "repair_application"
TRACKING_PREFIX = "XF"  # 信用修复
MAX_FILES = 5


def decode_attachments(files: list[AttachmentIn]) -> list[tuple[str, bytes]]:
    """Base64 files of a JSON application as (name, bytes)."""
    decoded = []
    for f in files:
        try:
            decoded.append((f.filename, base64.b64decode(f.content_base64, validate=True)))
        except (binascii.Error, ValueError):
            raise InvalidRepair(f"附件“{f.filename}”不是有效的 base64 内容") from None
    return decoded


def submit(session: Session, keyring: Keyring, settings: Settings, calendar: WorkingCalendar, body: RepairIn,
           files: list[tuple[str, bytes]], *, submitted_on: dt.date | None = None, actor: str = "public",
           rules: tuple[RepairRuleSet, ...] | None = None) -> RepairApplication:
    """Check the application by rule before a person sees it; one open application per record or entry."""
    submitted_on = submitted_on or dt.date.today()
    if not body.accept_commitment:
        raise InvalidRepair("须阅读并接受信用承诺书后方可提交")
    if not files:
        raise InvalidRepair("请上传履行法定责任和义务、纠正失信行为的证明材料（至少一份）")
    if len(files) > MAX_FILES:
        raise InvalidRepair(f"证明材料最多 {MAX_FILES} 份")
    rule_set = rule_set_on(submitted_on, rules or active_rules(settings))
    subject, tail = resolve_subject(session, keyring, body)
    target = resolve_target(session, subject, body, submitted_on)
    verdict = judge(rule_set, target, body, submitted_on)
    if repository.open_for(session, target.open_key) is not None:
        raise DuplicateRepair(f"“{target.label}”已有正在办理的信用修复申请，请勿重复提交；可凭原跟踪码查询进度")
    app = RepairApplication(
        tracking_code=new_tracking_code(TRACKING_PREFIX, submitted_on), target_kind=target.kind,
        record_id=target.record_id, list_entry_id=target.list_entry_id, subject_id=subject.id,
        department_id=target.department_id, open_key=target.open_key, severity=target.severity,
        target_label=target.label, decision_on=target.decision_on, earliest_on=verdict.earliest_on,
        rule_effective_on=rule_set.effective_on, rule_citation=rule_set.citation, rule_article=verdict.article,
        subject_name=display_name(subject), id_tail=tail, contact_name=body.contact_name,
        contact_phone=body.contact_phone, statement=body.statement,
        commitment_text=rule_set.commitment, credit_report_number=body.credit_report_number,
        training_certificate=body.training_certificate, submitted_on=submitted_on,
        accept_due_on=calendar.add_working_days(submitted_on, rule_set.accept_working_days),
        decide_due_on=calendar.add_working_days(submitted_on, rule_set.decide_working_days), submitted_by=actor,
    )
    try:
        with session.begin_nested():  # a concurrent double submission hits the unique open_key
            session.add(app)
            session.flush()
    except IntegrityError:
        raise DuplicateRepair(f"“{target.label}”已有正在办理的信用修复申请，请勿重复提交") from None
    for name, content in files:  # UploadRejected rolls the whole application back
        store_upload(session, settings, filename=name, content=content, owner_type=OWNER_TYPE, owner_id=app.id,
                     uploaded_by=actor)
    from xinyong.audit.service import record_event

    record_event(session, actor=actor, action="repair_application.submitted", entity_type=OWNER_TYPE,
                 entity_id=app.id, detail={"target": target.label, "rule": rule_set.document})
    return app


def find_tracked(session: Session, code: str, tail: str) -> RepairApplication:
    """The application for a tracking code and ID tail; a wrong tail looks like an unknown code."""
    app = repository.by_tracking_code(session, normalise_tracking_code(code)[:32])
    if app is None or not id_tail_matches(app.id_tail, tail or ""):
        raise RepairNotFound("跟踪码或证件号码后四位不正确")
    return app


def view(session: Session, app: RepairApplication) -> RepairOut:
    """The application as the applicant and the console see it."""
    return RepairOut(
        tracking_code=app.tracking_code, status=str(app.status), status_label=REPAIR_LABELS[app.status],
        subject_name=app.subject_name, target=app.target_label, severity=app.severity, submitted_on=app.submitted_on,
        accept_due_on=app.accept_due_on, decide_due_on=app.decide_due_on,
        rule=f"{app.rule_citation}{app.rule_article}", rule_effective_on=app.rule_effective_on,
        decision_reason=app.decision_reason,
        notices=[NoticeOut(id=n.id, kind=n.kind.value, number=n.number, title=n.title, issued_at=n.issued_at)
                 for n in repository.notices_of(session, app.id)],
        history=[HistoryOut(occurred_at=h.occurred_at, from_state=repair_machine.label(h.from_state),
                            to_state=repair_machine.label(h.to_state), reason=h.reason)
                 for h in repository.history_of(session, app.id)],
    )
