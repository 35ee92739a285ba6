"""Measures list and the check (触发-响应): which rewards and punishments apply to a subject for a matter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.audit.service import record_event
from xinyong.calendar import WorkingCalendar
from xinyong.catalog.models import RecordType
from xinyong.codes import DocumentType
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.departments.models import Department
from xinyong.errors import InvalidInput
from xinyong.lists.definitions import Domain, ListKind
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.states import EntryStatus
from xinyong.measures import repository
from xinyong.measures.cache import active_measures_cache
from xinyong.measures.definitions import MeasureDefinition
from xinyong.measures.models import Measure
from xinyong.measures.schemas import CheckIn, CheckOut, EntryHit, GreenChannel, MeasureHit, SubjectOut
from xinyong.records.models import CreditRecord
from xinyong.records.publication import add_months
from xinyong.records.states import RecordStatus
from xinyong.subjects.models import Subject
from xinyong.subjects.service import find_person
from xinyong.subjects.states import SubjectKind

CHECKERS = (Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK, Role.BUSINESS_SYSTEM)
FEEDBACK_WORKING_DAYS = 10  # checks without feedback after this many working days are followed up
GREEN_CHANNEL_YEARS = 3  # seed 002 三(三)2: 连续3年无不良信用记录
MAX_CANDIDATES = 20


def sync_measures(session: Session, definitions: Sequence[MeasureDefinition], *, actor: str = "system",
                  deactivate_missing: bool = True) -> list[str]:
    """Create or refresh measures from configuration; measures missing from it are deactivated."""
    changed, wanted = [], {d.code for d in definitions}
    stored = {m.code: m for m in session.scalars(select(Measure))}
    for d in definitions:
        data = d.model_dump(mode="json")
        m = stored.get(d.code)
        if m is not None and m.definition == data and m.is_active:
            continue
        m = m or Measure(code=d.code)
        m.name, m.kind, m.mandatory, m.definition, m.is_active = d.name, d.kind, d.mandatory, data, True
        session.add(m)
        changed.append(d.code)
    for m in stored.values():
        if deactivate_missing and m.is_active and m.code not in wanted:
            m.is_active = False
            changed.append(m.code)
    session.flush()
    for code in changed:
        record_event(session, actor=actor, action="measure.loaded", entity_type="measure", entity_id=code)
    return changed


def active_measures(session: Session) -> list[MeasureDefinition]:
    """Active measures, mandatory first."""
    rows = session.scalars(select(Measure).where(Measure.is_active.is_(True))
                           .order_by(Measure.mandatory.desc(), Measure.code))
    return [MeasureDefinition.model_validate(m.definition) for m in rows]


def cached_active_measures(session: Session, version: tuple[object, ...] | None = None) -> Sequence[MeasureDefinition]:
    """Active measures from the per-process cache (measures/cache.py), keyed by database and measures version."""
    if version is None:
        version = tuple(session.execute(repository.MEASURES_VERSION).one())
    key = (session.get_bind().engine.url, *version)
    return active_measures_cache.get(key, lambda: active_measures(session))


def _subject_out(subject: Subject | Row) -> SubjectOut:
    person = subject.kind == SubjectKind.NATURAL_PERSON  # an enum from the ORM, a string from the fast lane
    return SubjectOut(id=subject.id, kind=str(subject.kind), name=masking.mask_name(subject.name) if person else subject.name,
                      code=None if person else subject.uscc, masked_id=subject.document_masked if person else None)


def resolve(session: Session, keyring: Keyring, query: CheckIn) -> list[Subject]:
    """Subjects the query names: one by code or document, possibly several by name (never picked silently)."""
    q = query.subject
    if q.code:
        found = session.scalar(select(Subject).where(Subject.uscc == q.code.strip().upper()))
        return [found] if found else []
    if q.document_type or q.document_number:
        if not (q.document_type and q.document_number):
            raise InvalidInput("自然人须同时提供证件类型和证件号码")
        if q.document_type not in {t.value for t in DocumentType}:
            raise InvalidInput(f"证件类型“{q.document_type}”无效，应为：{'、'.join(t.value for t in DocumentType)}")
        person = find_person(session, keyring, q.document_type, q.document_number.strip())
        return [person] if person else []
    name = " ".join((q.name or "").split())
    if not name:
        raise InvalidInput("须提供统一社会信用代码、自然人证件，或主体名称")
    stmt = select(Subject).where(Subject.name == name, Subject.kind != SubjectKind.NATURAL_PERSON)
    if q.region:
        stmt = stmt.where(Subject.region_code.startswith(q.region.strip()))
    return list(session.scalars(stmt.order_by(Subject.id).limit(MAX_CANDIDATES)))


def live_entries(session: Session, subject_ids: Sequence[int], today: dt.date) -> list[tuple[ListEntry, ListType]]:
    """Effective or suspended entries within validity of these subjects."""
    if not subject_ids:
        return []
    return list(session.execute(
        select(ListEntry, ListType).join(ListType, ListType.id == ListEntry.list_type_id)
        .where(ListEntry.subject_id.in_(list(subject_ids)),
               ListEntry.status.in_([EntryStatus.EFFECTIVE, EntryStatus.SUSPENDED]),
               ListEntry.valid_from <= today, ListEntry.valid_until >= today)
        .order_by(ListEntry.id)).all())


def _green(since: dt.date, adverse_entries: bool, adverse_record: bool) -> GreenChannel:
    if adverse_entries:
        return GreenChannel(eligible=False, reason="在严重失信主体名单、重点关注名单或信用预警名单中")
    if adverse_record:
        return GreenChannel(eligible=False, reason=f"{since} 以来有不良信用记录")
    return GreenChannel(eligible=True, reason=f"{since} 以来平台未归集到不良信用记录（以平台数据为限）")


def green_channel(session: Session, subject: Subject, today: dt.date, adverse_entries: bool) -> GreenChannel:
    """No adverse record decided in the last 3 years and no adverse list entry."""
    since = add_months(today, -12 * GREEN_CHANNEL_YEARS)
    if adverse_entries:
        return _green(since, True, False)
    adverse = session.scalar(select(exists().where(
        CreditRecord.subject_id == subject.id, CreditRecord.is_current.is_(True),
        CreditRecord.status == RecordStatus.EFFECTIVE, CreditRecord.decision_on >= since,
        CreditRecord.record_type_id.in_(select(RecordType.id).where(RecordType.adverse.is_(True))))))
    return _green(since, False, bool(adverse))


def select_measures(measures: Sequence[MeasureDefinition], hits: Sequence[EntryHit], matter: str) -> list[MeasureHit]:
    """Measures for this matter triggered by effective entries; via a represented company only 落实到人 ones."""
    chosen: dict[str, MeasureHit] = {}
    for m in measures:
        if matter not in m.matters:
            continue
        for hit in hits:
            if hit.status != EntryStatus.EFFECTIVE.value:
                continue  # seed 002 三(五)7: not applied while an objection is verified
            if hit.via != "self" and not m.reaches_persons:
                continue
            if any(t.matches(ListKind(hit.kind), Domain(hit.domain)) for t in m.triggers):
                found = chosen.setdefault(m.code, MeasureHit(
                    code=m.code, name=m.name, kind=m.kind.value, mandatory=m.mandatory, legal_basis=m.basis_text,
                    departments=list(m.departments), reaches_persons=m.reaches_persons, entry_ids=[]))
                found.entry_ids.append(hit.entry_id)
    return sorted(chosen.values(), key=lambda h: (not h.mandatory, h.kind != "惩戒", h.code))


def _hits(session: Session, subject: Subject, today: dt.date) -> list[EntryHit]:
    represented = {}
    if subject.kind is SubjectKind.NATURAL_PERSON:
        represented = {c.id: c for c in session.scalars(select(Subject).where(
            Subject.legal_representative_id == subject.id))}
    rows = live_entries(session, [subject.id, *represented], today)
    departments = {d.id: d.name for d in session.scalars(
        select(Department).where(Department.id.in_({e.department_id for e, _ in rows})))} if rows else {}
    hits = []
    for entry, list_type in rows:
        own = entry.subject_id == subject.id
        if not own and list_type.kind is not ListKind.BLACK:
            continue  # 落实到人 follows black-listed companies (seed 002 三(四)6)
        hits.append(EntryHit(
            entry_id=entry.id, list_type=list_type.code, list_type_name=list_type.name, kind=list_type.kind.value,
            domain=list_type.domain.value, status=entry.status.value, valid_until=entry.valid_until,
            basis=entry.basis, recognising_department=departments.get(entry.department_id, ""),
            via="self" if own else "legal_representative",
            via_subject=None if own else represented[entry.subject_id].name))
    return hits


def _own_hits(rows: Sequence[Row]) -> list[EntryHit]:
    return [EntryHit(entry_id=r.entry_id, list_type=r.list_type, list_type_name=r.list_type_name,
                     kind=str(r.list_kind), domain=str(r.domain), status=str(r.status), valid_until=r.valid_until,
                     basis=r.basis, recognising_department=r.department_name or "", via="self")
            for r in rows if r.entry_id is not None]


def check(session: Session, keyring: Keyring, calendar: WorkingCalendar, principal: Principal,
          department_id: int, query: CheckIn, *, today: dt.date | None = None,
          measures: Sequence[MeasureDefinition] | None = None) -> CheckOut:
    """Answer a check and keep it under a check id (the answer is what the caller was told)."""
    principal.require(*CHECKERS)
    principal.require_department(department_id)
    today = today or dt.date.today()
    since = add_months(today, -12 * GREEN_CHANNEL_YEARS)
    if session.autoflush:
        session.flush()  # the Core statements below do not autoflush; pending changes must be visible to them
    conn = session.connection()  # Core on the session's transaction, without the ORM execution layer
    rows = None
    if query.subject.code:  # hot path: one Core query instead of an ORM query per table
        rows = repository.subject_rows_by_code(conn, query.subject.code.strip().upper(), today, since)
    version: tuple[object, ...] | None = None
    adverse_record: bool | None = None
    if rows is not None and (not rows or rows[0].kind != SubjectKind.NATURAL_PERSON):
        subjects: Sequence[Subject | Row] = rows[:1]
        subject = rows[0] if rows else None
        hits = _own_hits(rows)
        if rows:
            version, adverse_record = (rows[0].measures_active, rows[0].measures_changed), rows[0].adverse_record
    else:  # by document or name, or a person by code: represented companies count too
        subjects = resolve(session, keyring, query)
        subject = subjects[0] if len(subjects) == 1 else None
        hits = _hits(session, subject, today) if subject else []
    effective = any(h.status == EntryStatus.EFFECTIVE.value for h in hits)
    if measures is None:  # without an effective entry no measure can apply: no need to read them
        measures = cached_active_measures(session, version) if effective else ()
    chosen = select_measures(measures, hits, query.matter.value)
    green = None
    if subject is not None:
        adverse = any(ListKind(h.kind).adverse and h.via == "self" and h.status == EntryStatus.EFFECTIVE.value
                      for h in hits)
        green = (_green(since, adverse, bool(adverse_record)) if adverse_record is not None
                 else green_channel(session, subject, today, adverse))
    logged = query.model_dump(mode="json")
    if query.subject.document_number:  # never keep a plain ID number in the check log
        logged = {**logged, "subject": {**logged["subject"], "document_number": None}}
    checked_at, due = utcnow(), calendar.add_working_days(today, FEEDBACK_WORKING_DAYS)
    check_id = repository.insert_check(conn, {
        "checked_at": checked_at, "department_id": department_id, "caller": principal.actor,
        "matter": query.matter.value, "subject_id": subject.id if subject else None, "query": logged,
        "hit": bool(hits), "entry_ids": [h.entry_id for h in hits], "measure_codes": [m.code for m in chosen],
        "green_channel": bool(green and green.eligible), "feedback_due_on": due})
    return CheckOut(check_id=check_id, checked_at=checked_at, matter=query.matter.value, found=subject is not None,
                    subject=_subject_out(subject) if subject else None,
                    candidates=[_subject_out(s) for s in subjects] if len(subjects) > 1 else [],
                    entries=hits, measures=chosen, green_channel=green, feedback_due_on=due)
