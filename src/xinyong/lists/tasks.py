"""Derived list moves run by `xinyong jobs run`: expiry, black exit → watch, warning list, escalation."""

# Each job finds its candidates with a few set-based queries and does per-entry work (history, audit and
# change event through events.move / service.create_entry / exits.exit_entry) only for entries that change.
# Every job is idempotent: a second run on the same day changes nothing.

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, distinct, exists, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import ColumnElement, ScalarSelect

from xinyong.calendar import WorkingCalendar
from xinyong.db import utcnow
from xinyong.departments.models import Department
from xinyong.lists import repository
from xinyong.lists.definitions import ExitReason, ListKind
from xinyong.lists.events import move
from xinyong.lists.exits import exit_entry
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.service import create_entry, cross_check, definition_of
from xinyong.lists.states import LIVE_STATUSES, OPEN_STATUSES, EntryStatus
from xinyong.records.models import CreditRecord
from xinyong.records.publication import add_months
from xinyong.records.states import RecordStatus
from xinyong.subjects.models import Subject
from xinyong.subjects.states import SubjectKind

ACTOR = "system:jobs"
WARNING_DOMAINS = 3  # seed 002 三(五)5: watch entries in 3 or more different key domains
SEVERE = "严重"
CHUNK = 1_000
# Keys of run_list_jobs' result that count changes; "escalation_skipped" only reports.
CHANGE_KEYS = ("expired", "watch_after_black", "red_removed", "warning_exited", "warning_added", "escalated")


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _entries(session: Session, ids: Sequence[int]) -> Iterator[ListEntry]:
    """Entries by id, loaded in chunks, in id order."""
    for chunk in _chunks(sorted(ids)):
        yield from session.scalars(select(ListEntry).where(ListEntry.id.in_(chunk)).order_by(ListEntry.id)).all()


def _subjects(session: Session, ids: Iterable[int]) -> dict[int, Subject]:
    found: dict[int, Subject] = {}
    for chunk in _chunks(sorted(set(ids))):
        found.update((s.id, s) for s in session.scalars(select(Subject).where(Subject.id.in_(chunk))).unique())
    return found


def _departments(session: Session, ids: Iterable[int]) -> dict[int, Department]:
    """Held in a dict: the identity map only keeps objects something else refers to."""
    wanted = sorted(set(ids))
    return {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(wanted)))} if wanted else {}


def _with_live_red(session: Session, subject_ids: Iterable[int]) -> set[int]:
    """Those of the subjects that have a live red entry (the only ones a cross-check can touch)."""
    found: set[int] = set()
    for chunk in _chunks(sorted(set(subject_ids))):
        found.update(session.scalars(
            select(ListEntry.subject_id).join(ListType, ListType.id == ListEntry.list_type_id)
            .where(ListEntry.subject_id.in_(chunk), ListType.kind == ListKind.RED,
                   ListEntry.status.in_(LIVE_STATUSES))))
    return found


def _types(session: Session, kind: ListKind) -> list[ListType]:
    return [t for t in repository.list_types(session, active_only=True) if t.kind is kind]


def _until(start: dt.date, months: int) -> dt.date:
    return add_months(start, months) - dt.timedelta(days=1)


def _make_effective(session: Session, entry: ListEntry, subject: Subject, reason: str) -> bool:
    """Derived entries take effect at once, except for natural persons, who are told first (seed 002 三(二)2)."""
    if subject.kind is SubjectKind.NATURAL_PERSON:
        return False  # stays proposed: the department records the notice, the credit office approves
    entry.effective_at = utcnow()
    move(session, entry, EntryStatus.EFFECTIVE, actor=ACTOR, reason=reason)
    return True


def expire(session: Session, today: dt.date, calendar: WorkingCalendar) -> int:
    """Effective or suspended entries whose validity ended before today exit (with their announcement)."""
    ids = session.scalars(select(ListEntry.id).where(ListEntry.status.in_(LIVE_STATUSES),
                                                     ListEntry.valid_until < today)).all()
    for entry in _entries(session, ids):
        exit_entry(session, entry, ExitReason.EXPIRED, actor=ACTOR, note=f"有效期至 {entry.valid_until}")
    return len(ids)


def exit_day(reason: ExitReason | None, valid_until: dt.date, exited_at: dt.datetime | None) -> dt.date:
    """The first day off the list: the day after the validity for expiry, else the day of exit."""
    if reason is ExitReason.EXPIRED or exited_at is None:
        return valid_until + dt.timedelta(days=1)
    return exited_at.date()


def _remove_red(session: Session, entry: ListEntry) -> int:
    """A subject that enters a watch or black list leaves the red lists (as approval does)."""
    reds = cross_check(session, entry)
    for red in reds:
        exit_entry(session, red, ExitReason.CROSS_CHECK, actor=ACTOR,
                   note=f"该主体被列入{entry.list_type.name}（条目 {entry.id}），依规从红名单中删除")
    return len(reds)


def _black_to_watch(session: Session, today: dt.date, calendar: WorkingCalendar) -> tuple[int, int]:
    """(watch entries created, red entries removed) for black entries that exited (not by mistake)."""
    targets: dict[int, tuple[ListType, int]] = {}
    for black in _types(session, ListKind.BLACK):
        after = definition_of(black).after_exit
        watch = repository.list_type_by_code(session, after.list_type) if after else None
        if after and watch is not None and watch.is_active:
            targets[black.id] = (watch, after.validity_months)
    if not targets:
        return 0, 0
    child = aliased(ListEntry)
    rows = session.execute(
        select(ListEntry.id, ListEntry.list_type_id, ListEntry.exit_reason, ListEntry.valid_until, ListEntry.exited_at)
        .where(ListEntry.list_type_id.in_(list(targets)), ListEntry.status == EntryStatus.EXITED,
               or_(ListEntry.exit_reason.is_(None), ListEntry.exit_reason != ExitReason.MISTAKE),
               ~exists().where(child.derived_from_id == ListEntry.id))).all()
    due: dict[int, dt.date] = {}
    for entry_id, type_id, reason, valid_until, exited_at in rows:
        start = exit_day(reason, valid_until, exited_at)
        if _until(start, targets[type_id][1]) >= today:  # a watch period already over is not opened late
            due[entry_id] = start
    blacks = list(_entries(session, list(due)))
    subjects = _subjects(session, (b.subject_id for b in blacks))
    departments = _departments(session, (b.department_id for b in blacks))
    with_red = _with_live_red(session, subjects)
    created = removed = 0
    for black in blacks:
        watch_type, months = targets[black.list_type_id]
        start = due[black.id]
        facts = (f"该主体于 {black.valid_from} 被列入“{black.list_type.name}”（条目 {black.id}），"
                 f"因{black.exit_reason.value if black.exit_reason else '退出'}于 {start} 退出，"
                 f"依规转入“{watch_type.name}”{months}个月。")
        entry = create_entry(session, watch_type, subjects[black.subject_id],
                             departments[black.department_id], facts=facts, actor=ACTOR,
                             recognised_on=start, valid_from=start, valid_until=_until(start, months),
                             calendar=calendar, derived_from_id=black.id, derivation="after_black_exit")
        effective = _make_effective(session, entry, subjects[black.subject_id],
                                    f"严重失信主体名单退出后转入（条目 {black.id}）")
        if effective and black.subject_id in with_red:
            removed += _remove_red(session, entry)
        created += 1
    return created, removed


def black_exit_to_watch(session: Session, today: dt.date, calendar: WorkingCalendar) -> int:
    """Black entries that exited (unless listed by mistake) go onto their list type's watch list."""
    return _black_to_watch(session, today, calendar)[0]


def _warning_type(session: Session) -> ListType | None:
    found = _types(session, ListKind.WARNING)
    return found[0] if found else None


def _watch_domains(subject_id: ColumnElement[int]) -> ScalarSelect[int]:
    """Correlated count of different domains of a subject's effective watch entries."""
    watch, watch_type = aliased(ListEntry), aliased(ListType)
    return (select(func.count(distinct(watch_type.domain))).select_from(watch)
            .join(watch_type, watch_type.id == watch.list_type_id)
            .where(watch.subject_id == subject_id, watch.status == EntryStatus.EFFECTIVE,
                   watch_type.kind == ListKind.WATCH).scalar_subquery())


def exit_warnings(session: Session, today: dt.date, calendar: WorkingCalendar) -> int:
    """Warning entries of subjects now on watch lists in fewer than 3 domains exit."""
    warning = _warning_type(session)
    if warning is None:
        return 0
    ids = session.scalars(select(ListEntry.id).where(
        ListEntry.list_type_id == warning.id, ListEntry.status.in_(LIVE_STATUSES),
        _watch_domains(ListEntry.subject_id) < WARNING_DOMAINS)).all()
    for entry in _entries(session, ids):
        exit_entry(session, entry, ExitReason.NO_LONGER_QUALIFIES, actor=ACTOR,
                   note=f"该主体在重点关注名单中的不同领域已少于{WARNING_DOMAINS}个")
    return len(ids)


def add_warnings(session: Session, today: dt.date, calendar: WorkingCalendar) -> int:
    """Subjects on effective watch lists in 3 or more different domains go onto the warning list."""
    warning = _warning_type(session)
    if warning is None:
        return 0
    held = aliased(ListEntry)
    open_warning = exists().where(held.subject_id == ListEntry.subject_id, held.list_type_id == warning.id,
                                  held.status.in_(OPEN_STATUSES))
    subject_ids = session.scalars(
        select(ListEntry.subject_id).join(ListType, ListType.id == ListEntry.list_type_id)
        .where(ListType.kind == ListKind.WATCH, ListEntry.status == EntryStatus.EFFECTIVE, ~open_warning)
        .group_by(ListEntry.subject_id)
        .having(func.count(distinct(ListType.domain)) >= WARNING_DOMAINS).order_by(ListEntry.subject_id)).all()
    months = definition_of(warning).validity_months
    created = 0
    for chunk in _chunks(subject_ids):
        watched: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for subject_id, entry_id, department_id, domain in session.execute(
                select(ListEntry.subject_id, ListEntry.id, ListEntry.department_id, ListType.domain)
                .join(ListType, ListType.id == ListEntry.list_type_id)
                .where(ListEntry.subject_id.in_(chunk), ListEntry.status == EntryStatus.EFFECTIVE,
                       ListType.kind == ListKind.WATCH).order_by(ListEntry.id)):
            watched[subject_id].append((entry_id, department_id, str(domain)))
        subjects = _subjects(session, chunk)
        departments = _departments(session, (rows[-1][1] for rows in watched.values()))
        for subject_id in chunk:
            involved = watched[subject_id]
            by_domain: dict[str, list[int]] = defaultdict(list)
            for entry_id, _dept, domain in involved:
                by_domain[domain].append(entry_id)
            listed = "、".join(f"{domain}（条目 {'、'.join(map(str, ids))}）" for domain, ids in sorted(by_domain.items()))
            facts = (f"该主体在{len(by_domain)}个不同重点领域被列入重点关注名单：{listed}，"
                     f"依规由平台转入“{warning.name}”。")
            newest_id, newest_dept, _ = involved[-1]
            entry = create_entry(session, warning, subjects[subject_id], departments[newest_dept],
                                 facts=facts, actor=ACTOR, recognised_on=today, valid_from=today,
                                 valid_until=_until(today, months), calendar=calendar, derived_from_id=newest_id,
                                 derivation="warning")
            _make_effective(session, entry, subjects[subject_id],
                            f"在{len(by_domain)}个不同重点领域被列入重点关注名单，自动转入")
            created += 1
    return created


@dataclass(frozen=True)
class _Escalation:
    watch_id: int
    subject_id: int
    department_id: int
    domain: str
    record_id: int
    decision_on: dt.date
    document_number: str


def _escalations(session: Session, today: dt.date) -> list[_Escalation]:
    """(watch entry, severe record) pairs not yet the source of an entry and without an open black entry."""
    # The record is current and effective, decided on or after the watch entry began; the black entry
    # checked for is any open one of the subject in the watch entry's domain (a pending proposal included).
    used, black, black_type = aliased(ListEntry), aliased(ListEntry), aliased(ListType)
    open_black = exists().where(black.subject_id == ListEntry.subject_id, black.status.in_(OPEN_STATUSES),
                                black_type.id == black.list_type_id, black_type.kind == ListKind.BLACK,
                                black_type.domain == ListType.domain)
    rows = session.execute(
        select(ListEntry.id, ListEntry.subject_id, ListEntry.department_id, ListType.domain, CreditRecord.id,
               CreditRecord.decision_on, CreditRecord.document_number)
        .join(ListType, ListType.id == ListEntry.list_type_id)
        .join(CreditRecord, and_(CreditRecord.subject_id == ListEntry.subject_id,
                                 CreditRecord.decision_on >= ListEntry.valid_from))
        .where(ListType.kind == ListKind.WATCH, ListEntry.status == EntryStatus.EFFECTIVE,
               CreditRecord.is_current.is_(True), CreditRecord.status == RecordStatus.EFFECTIVE,
               CreditRecord.severity == SEVERE, CreditRecord.decision_on <= today,
               CreditRecord.id.not_in(select(used.source_record_id).where(used.source_record_id.is_not(None))),
               ~open_black)
        .order_by(CreditRecord.decision_on, CreditRecord.id, ListEntry.id)).all()
    return [_Escalation(w, s, d, str(domain), r, on, doc) for w, s, d, domain, r, on, doc in rows]


def _escalate(session: Session, today: dt.date, calendar: WorkingCalendar) -> tuple[int, int]:
    """(black proposals created, severe records skipped because no black type covers the watch domain)."""
    black_by_domain: dict[str, ListType] = {}
    for black in _types(session, ListKind.BLACK):  # ordered by code: the first black type of a domain serves it
        black_by_domain.setdefault(str(black.domain), black)
    candidates = _escalations(session, today)
    planned: dict[int, tuple[_Escalation, ListType]] = {}  # one proposal per record
    claimed: set[tuple[int, int]] = set()  # and one per subject and black type in one run
    for c in candidates:
        black = black_by_domain.get(c.domain)
        if black is None:
            continue
        if c.record_id in planned or (c.subject_id, black.id) in claimed:
            continue
        planned[c.record_id] = (c, black)
        claimed.add((c.subject_id, black.id))
    covered = {c.record_id for c in candidates if c.domain in black_by_domain}
    skipped = len({c.record_id for c in candidates} - covered)
    watches = {e.id: e for e in _entries(session, sorted({c.watch_id for c, _ in planned.values()}))}
    subjects = _subjects(session, (c.subject_id for c, _ in planned.values()))
    departments = _departments(session, (c.department_id for c, _ in planned.values()))
    for c, black in planned.values():
        watch = watches[c.watch_id]
        months = definition_of(black).validity_months
        facts = (f"该主体在“{watch.list_type.name}”（条目 {watch.id}，自 {watch.valid_from} 起）期间，"
                 f"于 {c.decision_on} 又受到严重失信行为处理（信用记录 {c.record_id}，文书号 {c.document_number}），"
                 f"依规提出列入“{black.name}”。")
        create_entry(session, black, subjects[c.subject_id], departments[c.department_id], facts=facts,
                     actor=ACTOR, recognised_on=today, valid_from=today, valid_until=_until(today, months),
                     calendar=calendar, source_record_id=c.record_id, derived_from_id=watch.id,
                     derivation="escalation")
    return len(planned), skipped


def escalate(session: Session, today: dt.date, calendar: WorkingCalendar) -> int:
    """A serious act while on a watch list: a black-list proposal in the same domain, once per record."""
    return _escalate(session, today, calendar)[0]


def run_list_jobs(session: Session, today: dt.date, calendar: WorkingCalendar) -> dict[str, int]:
    """All derived list moves in order: expiry first, so that what it ends feeds the moves after it."""
    counts = {"expired": expire(session, today, calendar)}
    counts["watch_after_black"], counts["red_removed"] = _black_to_watch(session, today, calendar)
    counts["warning_exited"] = exit_warnings(session, today, calendar)
    counts["warning_added"] = add_warnings(session, today, calendar)
    counts["escalated"], counts["escalation_skipped"] = _escalate(session, today, calendar)
    session.flush()
    return counts
