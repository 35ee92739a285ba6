"""Public records, live list entries and objection payloads for objection tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import company
from tests.lists.test_tasks import listed
from tests.records.builders import department, penalty, submit, weekends_calendar
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.departments.models import Department
from xinyong.lists.models import ListEntry
from xinyong.objections.schemas import ObjectionIn
from xinyong.objections.submission import Evidence, Filing
from xinyong.objections.submission import submit as file_objection
from xinyong.records.models import CreditRecord

TODAY = dt.date.today()
CAL = weekends_calendar()


def public_penalty(session: Session, keyring: Keyring, dept: Department | None = None,
                   **row: str) -> tuple[Department, CreditRecord]:
    """A department and one of its 行政处罚 records, published today."""
    dept = dept or department(session)
    data = penalty(dept, **row)
    submit(session, keyring, dept, [data])
    record = session.scalar(select(CreditRecord).where(CreditRecord.document_number == data["CF_WSH"],
                                                       CreditRecord.is_current.is_(True)))
    return dept, record


def black_entry(session: Session, dept: Department | None = None, code: str = "market_serious_violation",
                name: str = "漳州市异议测试贸易有限公司") -> tuple[Department, ListEntry]:
    """An effective entry on a black list, valid today."""
    dept = dept or department(session)
    entry = listed(session, code, company(session, name), dept, TODAY - dt.timedelta(days=10))
    return dept, entry


def payload(*, record: CreditRecord | None = None, entry: ListEntry | None = None, document: str | None = None,
            **fields: object) -> ObjectionIn:
    """An objection by the subject itself (its credit code) with contact and claim."""
    if document is None:
        code = record.subject.uscc if record is not None else entry.subject_code
        document = code
    data = {"record_id": record.id if record is not None else None,
            "list_entry_id": entry.id if entry is not None else None, "applicant_kind": "subject",
            "applicant_name": "漳州市闽兴食品有限公司", "applicant_document": document,
            "contact_phone": "0596-2345678", "claim": "该处罚决定已被行政复议撤销，信息有误。"}
    data.update(fields)
    return ObjectionIn(**data)


def upload_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Settings with attachments under the test's folder."""
    return settings.model_copy(update={"attachment_dir": tmp_path / "files"})


def file(session: Session, keyring: Keyring, settings: Settings, body: ObjectionIn, *, principal: object = None,
         evidence: list[Evidence] | None = None, today: dt.date = TODAY, calendar: object = CAL) -> Filing:
    """File an objection the way the portal and API do."""
    return file_objection(session, keyring, settings, calendar, body, evidence or [], principal=principal, today=today)
