"""The public profile of a subject (F9): one read used by the API and the portal page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.lists import publication as lists_publication
from xinyong.lists import views as lists_views
from xinyong.lists.views import PublicEntryOut
from xinyong.records import repository as records_repository
from xinyong.records.service import to_public
from xinyong.subjects import service
from xinyong.subjects.models import Subject
from xinyong.subjects.schemas import ObjectionMark, RecordOut, SubjectProfile, SubjectProfileOut


def under_objection(records: list[RecordOut], entries: list[PublicEntryOut]) -> list[ObjectionMark]:
    """Records and list entries in display that carry the 异议处理中 mark (F7: marked at once on filing)."""
    marks = [ObjectionMark(target="record", reference=r.document_number) for r in records if r.under_objection]
    return marks + [ObjectionMark(target="list_entry", reference=e.list_type_name)
                    for e in entries if getattr(e, "under_objection", False)]


def profile_of(session: Session, subject: Subject, day: dt.date | None = None) -> SubjectProfileOut:
    """Basic information, records in display, live list entries, commitments and objections of one subject."""
    day = day or dt.date.today()
    records = [RecordOut(**vars(to_public(r))) for r in records_repository.public_for_subject(session, subject.id, day)]
    entries = lists_views.public_entries(session, lists_publication.public_entries_of_subject(session, subject.id, day))
    return SubjectProfileOut(**SubjectProfile.of(subject).model_dump(), records=records, lists=entries,
                             commitments=[], under_objection=under_objection(records, entries))


def public_profile(session: Session, code: str, day: dt.date | None = None) -> SubjectProfileOut:
    """Profile of an organisation by its 统一社会信用代码 (SubjectNotFound, invalid_code)."""
    return profile_of(session, service.get_organisation(session, code), day)
