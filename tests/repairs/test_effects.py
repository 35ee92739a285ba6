"""An approved repair takes effect everywhere: portal, publicity pages, change feed, lists, check API, jobs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.lists.builders import CREDIT_OFFICE, proposal, recogniser
from tests.records.builders import clerk_of, department, penalty, submit, weekends_calendar
from tests.repairs.builders import (
    CAL,
    TODAY,
    apply,
    black_entry,
    entry_application,
    penalised,
    record_application,
)
from xinyong.accounts.service import create_api_key
from xinyong.accounts.states import Role
from xinyong.lists import service as lists_service
from xinyong.lists.definitions import ExitReason
from xinyong.lists.models import ListAnnouncement, ListEntry
from xinyong.lists.states import EntryStatus
from xinyong.lists.tasks import run_list_jobs
from xinyong.measures import service as measures
from xinyong.measures.schemas import CheckIn, SubjectQuery
from xinyong.records.models import CreditRecord
from xinyong.repairs import decisions
from xinyong.repairs.errors import NotEligible
from xinyong.repairs.states import RepairStatus

REAL_TODAY = dt.date.today()  # the portal and publicity pages show what is published today



def approved(session, keyring, settings, body):
    app = apply(session, keyring, settings, body)
    decisions.accept(session, CREDIT_OFFICE, app, today=TODAY)
    decisions.approve(session, CREDIT_OFFICE, app, today=TODAY, reason="罚款已缴清，年度报告已补报")
    assert app.status is RepairStatus.DONE
    session.flush()
    return app


def feed(client, session):
    key, plain = create_api_key(session, name="上级平台", role=Role.BUSINESS_SYSTEM, department=None, actor="test")
    session.flush()
    return client.get("/api/v1/changes?since=0&limit=1000", headers={"X-API-Key": plain}).json()["changes"]


def test_repaired_record_leaves_the_subject_page_the_publicity_page_and_is_shared_as_repaired(
        session, keyring, settings, client):
    _, subject, record = penalised(session, keyring)
    _, neighbour, kept = penalised(session, keyring, name="漳州市邻居食品有限公司", dept=record.department)
    session.flush()
    assert record.document_number in client.get(f"/subjects/{subject.uscc}").text
    assert record.document_number in client.get("/publicity/xzcf").text
    approved(session, keyring, settings, record_application(record, subject))
    assert record.repaired_at is not None
    assert record.document_number not in client.get(f"/subjects/{subject.uscc}").text
    listing = client.get("/publicity/xzcf").text
    assert record.document_number not in listing and kept.document_number in listing
    events = [c for c in feed(client, session) if c["natural_key"] == record.natural_key]
    assert [e["kind"] for e in events] == ["accepted", "repaired"]
    assert events[-1]["version"] == record.version and events[-1]["record_type"] == "xzcf"


def test_repaired_black_entry_exits_early_with_an_announcement_and_measures_stop(session, keyring, settings,
                                                                               client):
    dept, subject, entry = black_entry(session, keyring)
    checker = department(session, "漳州市财政局")
    query = CheckIn(subject=SubjectQuery(code=subject.uscc), matter="行政审批")
    before = measures.check(session, keyring, weekends_calendar(), clerk_of(checker), checker.id, query,
                            today=REAL_TODAY)
    assert [e.entry_id for e in before.entries] == [entry.id] and before.measures
    session.flush()
    assert subject.name in client.get("/lists").text
    approved(session, keyring, settings, entry_application(entry, subject))
    assert entry.status is EntryStatus.EXITED and entry.exit_reason is ExitReason.REPAIRED
    announcement = session.scalar(select(ListAnnouncement).where(ListAnnouncement.entry_id == entry.id))
    assert announcement is not None and "信用修复" in announcement.body
    after = measures.check(session, keyring, weekends_calendar(), clerk_of(checker), checker.id, query,
                           today=REAL_TODAY)
    assert after.entries == [] and after.measures == []
    assert subject.name not in client.get("/lists").text
    assert [c["kind"] for c in feed(client, session) if c["list_entry"] and c["list_entry"]["id"] == entry.id][-1] \
        == "list.exited"
    # Seed 002 三(五)5: a black entry that exits (not listed by mistake) goes onto the type's watch list.
    moved = run_list_jobs(session, REAL_TODAY, weekends_calendar())
    assert moved["watch_after_black"] == 1
    watch = session.scalar(select(ListEntry).where(ListEntry.derived_from_id == entry.id))
    assert watch is not None and watch.list_type.code == "market_watch"
    assert run_list_jobs(session, REAL_TODAY, weekends_calendar())["watch_after_black"] == 0


def test_repairing_a_record_exits_the_black_entry_recognised_on_it(session, keyring, settings):
    dept, clerk = recogniser(session, "market_serious_violation")
    _, subject, record = penalised(session, keyring, dept=dept)
    entry = lists_service.propose(session, keyring, CAL, clerk, dept, proposal(
        "market_serious_violation", subject, recognised_on=dt.date(2026, 6, 3), source_record_id=record.id))
    lists_service.record_notice(session, CAL, clerk, entry, notice_text="告知书", delivered_on=dt.date(2026, 6, 3))
    lists_service.approve(session, CREDIT_OFFICE, entry, today=dt.date(2026, 7, 1))
    approved(session, keyring, settings, record_application(record, subject))
    assert entry.status is EntryStatus.EXITED and entry.exit_reason is ExitReason.REPAIRED


def test_green_channel_still_counts_a_repaired_record(session, keyring, settings):
    """Neither rule set says a repaired record stops being an adverse record for 连续3年无不良信用记录 (F6):
    repair stops publication and sharing, the record itself stays, so the green channel is still closed."""
    _, subject, record = penalised(session, keyring)
    approved(session, keyring, settings, record_application(record, subject))
    checker = department(session, "漳州市财政局")
    out = measures.check(session, keyring, weekends_calendar(), clerk_of(checker), checker.id,
                         CheckIn(subject=SubjectQuery(code=subject.uscc), matter="行政审批"), today=REAL_TODAY)
    assert out.measures == [] and out.green_channel is not None and not out.green_channel.eligible


def report_rows(content, title_part: str) -> list[tuple[str, ...]]:
    """Rows of the report sections whose title contains title_part."""
    return [row for s in content.sections if title_part in s.title and s.table for row in s.table.rows]


def test_public_api_profile_and_credit_report_drop_the_repaired_record(session, keyring, settings, client):
    from xinyong.db import utcnow
    from xinyong.reports.content import gather

    _, subject, record = penalised(session, keyring)
    session.flush()
    before = client.get(f"/api/v1/subjects/{subject.uscc}").json()
    assert [r["document_number"] for r in before["records"]] == [record.document_number]
    in_report = [row for s in gather(session, subject, utcnow()).sections if s.table for row in s.table.rows]
    assert any(record.document_number in cell for row in in_report for cell in row)
    approved(session, keyring, settings, record_application(record, subject))
    after = client.get(f"/api/v1/subjects/{subject.uscc}").json()
    assert after["records"] == []
    content = gather(session, subject, utcnow())
    shown = [row for s in content.sections if s.table and "修复" not in s.title for row in s.table.rows]
    assert not any(record.document_number in cell for row in shown for cell in row)
    assert [row[0] for row in report_rows(content, "信用修复")] == [f"行政处罚 {record.document_number}"]


def test_a_repaired_record_cannot_be_repaired_again(session, keyring, settings):
    _, subject, record = penalised(session, keyring)
    approved(session, keyring, settings, record_application(record, subject))
    with pytest.raises(NotEligible, match="未在公示中"):
        apply(session, keyring, settings, record_application(record, subject))


def test_a_correction_of_a_repaired_record_stays_off_the_portal(session, keyring, settings, client) -> None:
    dept, subject, record = penalised(session, keyring)
    approved(session, keyring, settings, record_application(record, subject))
    corrected = penalty(dept, name=subject.name, uscc=subject.uscc, decided=record.decision_on,
                        number=record.document_number, CF_SY="更正后的处罚事由")
    batch = submit(session, keyring, dept, [corrected], today=TODAY, calendar=CAL)
    assert batch.updated == 1
    current = session.scalars(select(CreditRecord).where(CreditRecord.subject_id == subject.id,
                                                         CreditRecord.is_current.is_(True))).one()
    assert current.id != record.id and current.version == record.version + 1
    assert current.repaired_at == record.repaired_at is not None
    assert record.document_number not in client.get(f"/subjects/{subject.uscc}").text
