"""Penalised companies, list entries and valid applications for repair tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.attachments.samples import pdf_bytes
from tests.factories import company
from tests.lists.builders import CREDIT_OFFICE, proposal, recogniser
from tests.records.builders import department, penalty, submit, weekends_calendar
from xinyong.calendar import WorkingCalendar
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.departments.models import Department
from xinyong.lists import service as lists_service
from xinyong.lists.models import ListEntry
from xinyong.records.models import CreditRecord
from xinyong.repairs import service
from xinyong.repairs.models import RepairApplication
from xinyong.repairs.schemas import RepairIn
from xinyong.repairs.states import TargetKind
from xinyong.subjects.models import Subject

CAL = weekends_calendar()
DECIDED = dt.date(2026, 6, 1)  # a 一般 penalty decided then may be repaired from 2026-09-01
TODAY = dt.date(2026, 12, 7)  # a Monday; penalties of DECIDED are still on the portal
EVIDENCE = [("缴款凭证.pdf", pdf_bytes())]


def penalised(session: Session, keyring: Keyring, *, category: str = "罚款", decided: dt.date = DECIDED,
              name: str = "漳州市闽兴食品有限公司", dept: Department | None = None,
              ) -> tuple[Department, Subject, CreditRecord]:
    """A company with one 行政处罚 record (罚款 is 一般, 责令停产停业 严重, 警告 轻微)."""
    dept = dept or department(session)
    subject = company(session, name)
    batch = submit(session, keyring, dept, [penalty(dept, name=name, uscc=subject.uscc, category=category,
                                                    decided=decided)],
                   today=decided + dt.timedelta(days=1), calendar=CAL)
    assert batch.accepted == 1
    record = session.scalars(select(CreditRecord).where(CreditRecord.subject_id == subject.id)).one()
    return dept, subject, record


def black_entry(session: Session, keyring: Keyring, *, code: str = "market_serious_violation",
                recognised_on: dt.date = dt.date(2025, 6, 2)) -> tuple[Department, Subject, ListEntry]:
    """An effective black-list entry of a company, recognised long enough ago to be repaired."""
    dept, clerk = recogniser(session, code)
    subject = company(session, "漳州市失信示例贸易有限公司")
    entry = lists_service.propose(session, keyring, CAL, clerk, dept, proposal(code, subject,
                                                                               recognised_on=recognised_on))
    lists_service.record_notice(session, CAL, clerk, entry, notice_text="拟列入告知书", delivered_on=recognised_on)
    lists_service.approve(session, CREDIT_OFFICE, entry, today=recognised_on + dt.timedelta(days=30))
    return dept, subject, entry


def record_application(record: CreditRecord, subject: Subject, **extra: object) -> RepairIn:
    """A complete application for a company's record."""
    values: dict[str, object] = {
        "subject_code": subject.uscc, "target_kind": TargetKind.RECORD, "decision_number": record.document_number,
        "contact_name": "王建国", "contact_phone": "0596-2345678", "accept_commitment": True,
        "statement": "已于2026年6月10日缴清罚款，并已补报年度报告。"}
    values.update(extra)
    return RepairIn.model_validate(values)


def entry_application(entry: ListEntry, subject: Subject, **extra: object) -> RepairIn:
    """A complete application for a company's list entry."""
    values: dict[str, object] = {
        "subject_code": subject.uscc, "target_kind": TargetKind.LIST_ENTRY, "list_entry_id": entry.id,
        "contact_name": "李明", "contact_phone": "13800000000", "accept_commitment": True,
        "statement": "已纠正失信行为，履行全部法定义务。"}
    values.update(extra)
    return RepairIn.model_validate(values)


def apply(session: Session, keyring: Keyring, settings: Settings, body: RepairIn, *, on: dt.date = TODAY,
          calendar: WorkingCalendar = CAL, files: list[tuple[str, bytes]] | None = None) -> RepairApplication:
    """Submit an application on a given day."""
    return service.submit(session, keyring, settings, calendar, body, EVIDENCE if files is None else files,
                          submitted_on=on)
