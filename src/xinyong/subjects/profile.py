"""The public profile of a subject (F9): one read used by the API and the portal page.

The three statements are built once with bound parameters: building them per request cost more than
running them (bench/profile.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, bindparam, select
from sqlalchemy.orm import Session

from xinyong import codes
from xinyong.lists import publication as lists_publication
from xinyong.lists import states as list_states
from xinyong.lists import views as lists_views
from xinyong.lists.models import ListEntry
from xinyong.lists.views import PublicEntryOut
from xinyong.records.models import CreditRecord
from xinyong.records.repository import published_on
from xinyong.records.service import to_public
from xinyong.subjects.errors import SubjectNotFound
from xinyong.subjects.models import Subject
from xinyong.subjects.schemas import ObjectionMark, RecordOut, SubjectProfile, SubjectProfileOut

RECORDS_SHOWN = 200
_DAY = bindparam("day", type_=Date)
_SUBJECT = select(Subject).where(Subject.uscc == bindparam("code"))
_RECORDS = (select(CreditRecord).where(CreditRecord.subject_id == bindparam("sid"), published_on(_DAY))
            .order_by(CreditRecord.decision_on.desc(), CreditRecord.id.desc()).limit(RECORDS_SHOWN))
# Suspended entries (under objection) stay published where the lists domain has that status.
_LIVE = getattr(list_states, "LIVE_STATUSES", (list_states.EntryStatus.EFFECTIVE,))
_ENTRIES = (select(ListEntry).where(ListEntry.subject_id == bindparam("sid"), ListEntry.status.in_(_LIVE),
                                    ListEntry.valid_from <= _DAY, ListEntry.valid_until >= _DAY)
            .order_by(ListEntry.recognised_on.desc(), ListEntry.id.desc()))


def under_objection(records: list[RecordOut], entries: list[PublicEntryOut]) -> list[ObjectionMark]:
    """Records and list entries in display that carry the 异议处理中 mark (F7: marked at once on filing)."""
    marks = [ObjectionMark(target="record", reference=r.document_number) for r in records if r.under_objection]
    return marks + [ObjectionMark(target="list_entry", reference=e.list_type_name)
                    for e in entries if getattr(e, "under_objection", False)]


def profile_of(session: Session, subject: Subject, day: dt.date | None = None) -> SubjectProfileOut:
    """Basic information, records in display, live list entries, commitments and objections of one subject."""
    params = {"sid": subject.id, "day": day or dt.date.today()}
    records = [RecordOut(**vars(to_public(r))) for r in session.scalars(_RECORDS, params)]
    live = [e for e in session.scalars(_ENTRIES, params).unique() if lists_publication.is_public_type(e.list_type)]
    entries = lists_views.public_entries(session, live) if live else []
    return SubjectProfileOut(**SubjectProfile.of(subject).model_dump(), records=records, lists=entries,
                             commitments=[], under_objection=under_objection(records, entries))


def public_profile(session: Session, code: str, day: dt.date | None = None) -> SubjectProfileOut:
    """Profile of an organisation by its 统一社会信用代码 (SubjectNotFound, invalid_code)."""
    uscc = codes.validate_uscc(code)
    subject = session.scalars(_SUBJECT, {"code": uscc}).first()
    if subject is None:
        raise SubjectNotFound(f"未找到统一社会信用代码为 {uscc} 的主体")
    return profile_of(session, subject, day)
