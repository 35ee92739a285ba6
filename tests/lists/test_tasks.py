"""Derived list moves of `xinyong jobs run`: expiry, black exit → watch, warning list, escalation; idempotent."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import company
from tests.lists.builders import CREDIT_OFFICE
from tests.records.builders import department, penalty, submit, weekends_calendar
from xinyong.crypto import Keyring
from xinyong.db import make_engine, make_session_factory, utcnow
from xinyong.departments.models import Department
from xinyong.lists import exits, repository, service, tasks
from xinyong.lists.definitions import ExitReason
from xinyong.lists.events import move
from xinyong.lists.models import ListEntry
from xinyong.lists.states import EntryStatus
from xinyong.records.models import ChangeEvent, CreditRecord
from xinyong.records.publication import add_months
from xinyong.subjects.models import Subject

TODAY = dt.date(2026, 6, 15)
CAL = weekends_calendar()


def listed(session: Session, code: str, subject: Subject, dept: Department, start: dt.date,
           until: dt.date | None = None, status: EntryStatus = EntryStatus.EFFECTIVE,
           facts: str | None = None) -> ListEntry:
    """An entry of a list type for a subject, brought to the given status the normal way."""
    list_type = service.get_list_type(session, code)
    until = until or start + dt.timedelta(days=364)
    entry = service.create_entry(session, list_type, subject, dept, facts=facts or f"{code} 事实 {start}",
                                 actor="test", recognised_on=start, valid_from=start, valid_until=until, calendar=CAL)
    if status in (EntryStatus.EFFECTIVE, EntryStatus.SUSPENDED):
        entry.effective_at = utcnow()
        move(session, entry, EntryStatus.EFFECTIVE, actor="test", reason="测试生效")
    if status is EntryStatus.SUSPENDED:
        move(session, entry, EntryStatus.SUSPENDED, actor="test", reason="异议核查")
    if status is EntryStatus.NOTIFIED:
        move(session, entry, EntryStatus.NOTIFIED, actor="test", reason="已告知")
    return entry


def derived(session: Session, source: ListEntry) -> list[ListEntry]:
    return list(session.scalars(select(ListEntry).where(ListEntry.derived_from_id == source.id)))


def events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ChangeEvent)) or 0


def test_expiry_exits_the_day_after_valid_until_with_announcement(session):
    dept = department(session)
    last_day = listed(session, "market_watch", company(session), dept, dt.date(2025, 6, 15), until=TODAY)
    over = listed(session, "market_watch", company(session), dept, dt.date(2025, 6, 14), until=TODAY - dt.timedelta(1))
    suspended = listed(session, "tax_watch", company(session), dept, dt.date(2025, 1, 1), until=dt.date(2025, 12, 31),
                       status=EntryStatus.SUSPENDED)
    proposed = listed(session, "tax_watch", company(session), dept, dt.date(2025, 1, 1), until=dt.date(2025, 12, 31),
                      status=EntryStatus.PROPOSED)
    assert tasks.expire(session, TODAY, CAL) == 2
    assert last_day.status is EntryStatus.EFFECTIVE and proposed.status is EntryStatus.PROPOSED
    for entry in (over, suspended):
        assert entry.status is EntryStatus.EXITED and entry.exit_reason is ExitReason.EXPIRED
        assert "有效期届满" in repository.announcement_of(session, entry.id).body
    kinds = [str(k) for k in session.scalars(select(ChangeEvent.kind).where(ChangeEvent.list_entry_id == over.id)
                                              .order_by(ChangeEvent.id))]
    assert kinds == ["list.proposed", "list.effective", "list.exited"]
    assert tasks.expire(session, TODAY, CAL) == 0
    assert tasks.expire(session, TODAY + dt.timedelta(1), CAL) == 1


def test_black_exit_goes_onto_watch_list_unless_listed_by_mistake(session):
    dept = department(session)
    repaired = listed(session, "market_serious_violation", company(session), dept, dt.date(2025, 3, 1),
                      until=dt.date(2028, 2, 29))
    mistaken = listed(session, "market_serious_violation", company(session), dept, dt.date(2025, 3, 1),
                      until=dt.date(2028, 2, 29))
    expired = listed(session, "tax_major_violation", company(session), dept, dt.date(2023, 6, 14),
                     until=dt.date(2026, 6, 13))
    exits.exit_entry(session, repaired, ExitReason.REPAIRED, actor="test")
    exits.exit_entry(session, mistaken, ExitReason.MISTAKE, actor="test")
    counts = tasks.run_list_jobs(session, TODAY, CAL)
    assert counts["expired"] == 1 and counts["watch_after_black"] == 2
    assert derived(session, mistaken) == []
    [watch] = derived(session, repaired)
    start = repaired.exited_at.date()
    assert watch.list_type.code == "market_watch" and watch.derivation == "after_black_exit"
    assert watch.status is EntryStatus.EFFECTIVE and watch.effective_at is not None
    assert (watch.valid_from, watch.valid_until) == (start, add_months(start, 12) - dt.timedelta(1))
    assert watch.department_id == dept.id and watch.subject_id == repaired.subject_id
    [after_expiry] = derived(session, expired)
    assert after_expiry.list_type.code == "tax_watch"
    assert (after_expiry.valid_from, after_expiry.valid_until) == (dt.date(2026, 6, 14), dt.date(2027, 6, 13))
    assert tasks.black_exit_to_watch(session, TODAY, CAL) == 0


def test_black_exit_removes_a_red_entry_and_an_old_exit_opens_no_late_watch_period(session):
    dept = department(session)
    subject = company(session)
    black = listed(session, "tax_major_violation", subject, dept, dt.date(2024, 1, 1), until=dt.date(2024, 5, 31))
    long_ago = listed(session, "tax_major_violation", company(session), dept, dt.date(2020, 1, 1),
                      until=dt.date(2022, 12, 31))
    exits.exit_entry(session, long_ago, ExitReason.EXPIRED, actor="test")  # watch period ended 2023-12-31
    exits.exit_entry(session, black, ExitReason.EXPIRED, actor="test")  # watch period 2024-06-01 … 2025-05-31
    red = listed(session, "tax_a_grade", subject, dept, dt.date(2024, 3, 1), facts="A级")
    counts = tasks.run_list_jobs(session, dt.date(2024, 6, 3), CAL)
    assert counts["watch_after_black"] == 1 and counts["red_removed"] == 1
    assert red.status is EntryStatus.EXITED and red.exit_reason is ExitReason.CROSS_CHECK
    assert derived(session, long_ago) == []


def test_warning_needs_three_different_domains_and_exits_below_three(session):
    market, tax = department(session), department(session, "国家税务总局漳州市税务局")
    three, two = company(session), company(session)
    for subject in (three, two):
        listed(session, "market_watch", subject, market, dt.date(2026, 1, 5))
        listed(session, "food_drug_watch", subject, market, dt.date(2026, 1, 6))
        listed(session, "market_watch", subject, market, dt.date(2026, 2, 1), facts="另一事实")
    newest = listed(session, "tax_watch", three, tax, dt.date(2026, 3, 1))
    listed(session, "tax_watch", two, tax, dt.date(2026, 3, 1), status=EntryStatus.SUSPENDED)
    assert tasks.add_warnings(session, TODAY, CAL) == 1
    [warning] = [e for e in repository.entries_of_subject(session, three.id) if e.derivation == "warning"]
    assert warning.list_type.code == "credit_warning" and warning.status is EntryStatus.EFFECTIVE
    assert warning.department_id == tax.id and warning.derived_from_id == newest.id
    assert "3个不同重点领域" in warning.facts and str(newest.id) in warning.facts and "税收" in warning.facts
    assert (warning.valid_from, warning.valid_until) == (TODAY, dt.date(2027, 6, 14))
    assert not [e for e in repository.entries_of_subject(session, two.id) if e.derivation == "warning"]
    assert tasks.add_warnings(session, TODAY, CAL) == 0 and tasks.exit_warnings(session, TODAY, CAL) == 0
    exits.exit_entry(session, newest, ExitReason.CORRECTED, actor="test")
    assert tasks.exit_warnings(session, TODAY, CAL) == 1
    assert warning.status is EntryStatus.EXITED and warning.exit_reason is ExitReason.NO_LONGER_QUALIFIES


def _severe(session: Session, keyring: Keyring, dept: Department, subject: Subject, decided: dt.date,
            category: str = "吊销许可证件") -> CreditRecord:
    batch = submit(session, keyring, dept, [penalty(dept, name=subject.name, uscc=subject.uscc, category=category,
                                                    decided=decided)], today=decided + dt.timedelta(days=1),
                   calendar=CAL)
    assert batch.accepted == 1
    return session.scalars(select(CreditRecord).where(CreditRecord.subject_id == subject.id)
                           .order_by(CreditRecord.id.desc())).first()


def test_serious_act_on_or_after_watch_start_proposes_black_once(session, keyring):
    dept = department(session)
    before, on, mild, uncovered, pending = (company(session, name=f"漳州市测试{n}有限公司") for n in "甲乙丙丁戊")
    start = dt.date(2026, 6, 1)
    watch = {s.id: listed(session, "market_watch", s, dept, start) for s in (before, on, mild, pending)}
    listed(session, "environment_watch", uncovered, dept, start)  # 生态环境 has no black list type
    _severe(session, keyring, dept, before, start - dt.timedelta(1))
    record = _severe(session, keyring, dept, on, start)
    _severe(session, keyring, dept, mild, dt.date(2026, 6, 5), category="罚款")
    _severe(session, keyring, dept, uncovered, dt.date(2026, 6, 5))
    listed(session, "market_serious_violation", pending, dept, start, status=EntryStatus.NOTIFIED)
    _severe(session, keyring, dept, pending, dt.date(2026, 6, 5))
    counts = tasks.run_list_jobs(session, TODAY, CAL)
    assert counts["escalated"] == 1 and counts["escalation_skipped"] == 1
    [proposal] = [e for e in repository.entries_of_subject(session, on.id) if e.derivation == "escalation"]
    assert proposal.list_type.code == "market_serious_violation" and proposal.status is EntryStatus.PROPOSED
    assert proposal.source_record_id == record.id and proposal.derived_from_id == watch[on.id].id
    assert str(record.id) in proposal.facts and proposal.department_id == dept.id
    for subject in (before, mild, uncovered):
        assert not [e for e in repository.entries_of_subject(session, subject.id) if e.derivation == "escalation"]
    assert len([e for e in repository.entries_of_subject(session, pending.id)
                if e.list_type.code == "market_serious_violation"]) == 1
    service.withdraw(session, CREDIT_OFFICE, proposal, reason="经核实不予列入")
    again = tasks.run_list_jobs(session, TODAY, CAL)
    assert again["escalated"] == 0 and again["escalation_skipped"] == 1


def test_second_run_changes_nothing(session, keyring):
    dept = department(session)
    subjects = [company(session, name=f"漳州市幂等{n}有限公司") for n in range(4)]
    listed(session, "market_watch", subjects[0], dept, dt.date(2025, 1, 1), until=dt.date(2025, 12, 31))
    black = listed(session, "safety_serious", subjects[1], dept, dt.date(2025, 1, 1), until=dt.date(2027, 12, 31))
    exits.exit_entry(session, black, ExitReason.REPAIRED, actor="test")
    for code in ("statistics_watch", "procurement_watch"):
        listed(session, code, subjects[1], dept, dt.date(2026, 2, 1))
    listed(session, "market_watch", subjects[2], dept, dt.date(2026, 2, 1))
    _severe(session, keyring, dept, subjects[2], dt.date(2026, 3, 2))
    first = tasks.run_list_jobs(session, TODAY, CAL)
    assert first == {"expired": 1, "watch_after_black": 1, "red_removed": 0, "warning_exited": 0,
                     "warning_added": 1, "escalated": 1, "escalation_skipped": 0}
    before = events(session)
    second = tasks.run_list_jobs(session, TODAY, CAL)
    assert set(second.values()) == {0} and events(session) == before


def test_cli_jobs_run_reports_list_moves_once(tmp_path: Path):
    db = tmp_path / "jobs.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYONG_")}
    env.update(XINYONG_DATABASE_URL=f"sqlite:///{db}", XINYONG_KEY_FILE=str(tmp_path / "k.key"), COLUMNS="200",
               NO_COLOR="1")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "xinyong.cli.main", *args], env=env, cwd=tmp_path, check=False,
                              capture_output=True, text=True, timeout=300)

    assert cli("db", "upgrade").returncode == 0
    engine = make_engine(env["XINYONG_DATABASE_URL"])
    with make_session_factory(engine)() as session:
        dept = department(session)
        watched = company(session)
        for code in ("market_watch", "tax_watch", "safety_watch"):
            listed(session, code, watched, dept, dt.date(2026, 3, 2))
        listed(session, "food_drug_watch", company(session), dept, dt.date(2025, 6, 1), until=dt.date(2026, 5, 31))
        session.commit()
    first = cli("jobs", "run", "--today", "2026-06-15")
    assert first.returncode == 0, first.stderr
    assert "2026-06-15：公示期满下线 0 条" in first.stdout
    assert "名单有效期届满退出 1 条" in first.stdout and "列入信用预警名单 1 条" in first.stdout
    second = cli("jobs", "run", "--today", "2026-06-15")
    assert second.returncode == 0 and "名单有效期届满退出 0 条" in second.stdout
    assert "列入信用预警名单 0 条" in second.stdout
    with make_session_factory(engine)() as session:
        warning = session.scalars(select(ListEntry).where(ListEntry.derivation == "warning")).one()
        assert warning.subject_id == watched.id and warning.created_by == tasks.ACTOR
    engine.dispose()


def test_derived_entries_of_a_natural_person_wait_for_notice(session, keyring: Keyring):
    from tests.factories import person

    dept = department(session)
    someone = person(session, keyring)
    black = listed(session, "market_serious_violation", someone, dept, dt.date(2025, 1, 1))
    exits.exit_entry(session, black, ExitReason.REPAIRED, actor="test")
    assert tasks.black_exit_to_watch(session, TODAY, CAL) == 1
    [watch] = derived(session, black)
    assert watch.status is EntryStatus.PROPOSED  # a person is told before any listing takes effect
    assert tasks.black_exit_to_watch(session, TODAY, CAL) == 0
    for code in ("food_drug_watch", "environment_watch", "tax_watch"):
        listed(session, code, someone, dept, dt.date(2026, 1, 5))
    assert tasks.add_warnings(session, TODAY, CAL) == 1
    warning = session.scalar(select(ListEntry).where(ListEntry.subject_id == someone.id,
                                                     ListEntry.derivation == "warning"))
    assert warning.status is EntryStatus.PROPOSED
    assert tasks.add_warnings(session, TODAY, CAL) == 0
