"""The audit trail is one hash chain: appends link, and any edit, deletion or reordering is found."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from xinyong.audit.chain import GENESIS
from xinyong.audit.models import AuditEvent
from xinyong.audit.service import record_event, verify_chain
from xinyong.lists.states import EntryStatus, entry_machine


def _append(session: Session, n: int) -> list[AuditEvent]:
    events = [record_event(session, actor="tester", action=f"test.step{i}", entity_type="thing", entity_id=i,
                           detail={"i": i, "名称": "漳州", "nested": {"b": [1, 2], "a": None}}) for i in range(n)]
    session.flush()
    return events


def test_appended_events_link_to_the_stored_head(session: Session) -> None:
    before = verify_chain(session)
    assert before.ok, before.summary()
    events = _append(session, 5)
    assert [e.seq for e in events] == list(range(before.head_seq + 1, before.head_seq + 6))
    assert events[0].prev_hash == (before.head_hash if before.head_seq else GENESIS)
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    after = verify_chain(session)
    assert after.ok and after.checked == before.checked + 5 and after.head_hash == events[-1].hash


def test_unflushed_events_and_a_rolled_back_savepoint_keep_the_chain_linear(session: Session) -> None:
    first = record_event(session, actor="a", action="x.one", entity_type="thing")
    second = record_event(session, actor="a", action="x.two", entity_type="thing")
    session.flush()
    assert second.seq == first.seq + 1 and second.prev_hash == first.hash
    savepoint = session.begin_nested()
    record_event(session, actor="a", action="x.discarded", entity_type="thing")
    session.flush()
    savepoint.rollback()
    third = record_event(session, actor="a", action="x.three", entity_type="thing")
    session.flush()
    assert third.seq == second.seq + 1 and third.prev_hash == second.hash
    assert verify_chain(session).ok


def test_two_sessions_sharing_a_transaction_do_not_collide(session: Session) -> None:
    other = Session(bind=session.connection())
    try:
        mine = record_event(session, actor="a", action="x.mine", entity_type="thing")  # not written yet
        theirs = record_event(other, actor="b", action="x.theirs", entity_type="thing")
        other.flush()
        session.flush()
        assert mine.seq == theirs.seq + 1 and mine.prev_hash == theirs.hash
        assert verify_chain(session).ok
    finally:
        other.close()


def test_events_added_directly_are_chained_at_flush(session: Session) -> None:
    early = AuditEvent(actor="b", action="x.direct_before", entity_type="thing")
    session.add(early)
    first = record_event(session, actor="a", action="x.via_service", entity_type="thing")
    loose = [AuditEvent(actor="b", action=f"x.direct{i}", entity_type="thing", entity_id=i) for i in range(3)]
    session.add_all(loose)
    session.flush()
    chain = [early, first, *loose]
    assert [e.seq for e in chain] == list(range(early.seq, early.seq + 5))
    assert [e.id for e in chain] == sorted(e.id for e in chain)
    assert first.prev_hash == early.hash and loose[0].prev_hash == first.hash and loose[0].entity_id == "0"
    assert verify_chain(session).ok


def test_bulk_state_moves_are_chained(session: Session) -> None:
    entry_machine.record_many(session, [101, 102, 103], EntryStatus.EFFECTIVE, EntryStatus.EXITED, actor="job")
    session.flush()
    moved = session.scalars(select(AuditEvent).where(AuditEvent.actor == "job").order_by(AuditEvent.seq)).all()
    assert [e.entity_id for e in moved] == ["101", "102", "103"]
    assert verify_chain(session).ok


def _tamper_edit(session: Session, target: AuditEvent, _events: list[AuditEvent]) -> int:
    session.execute(text("UPDATE audit_event SET actor = 'someone-else' WHERE id = :id"), {"id": target.id})
    return target.seq


def _tamper_edit_detail(session: Session, target: AuditEvent, _events: list[AuditEvent]) -> int:
    session.execute(text("UPDATE audit_event SET entity_id = '999' WHERE id = :id"), {"id": target.id})
    return target.seq


def _tamper_delete(session: Session, target: AuditEvent, _events: list[AuditEvent]) -> int:
    session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": target.id})
    return target.seq + 1  # the first event left that no longer links


def _tamper_cut(session: Session, target: AuditEvent, events: list[AuditEvent]) -> int:
    ids = [e.id for e in events[2:5]]
    session.execute(text("DELETE FROM audit_event WHERE id IN (:a, :b, :c)"), dict(zip("abc", ids, strict=True)))
    return events[5].seq


def _tamper_swap_ids(session: Session, target: AuditEvent, events: list[AuditEvent]) -> int:
    nxt = events[events.index(target) + 1]
    for old, new in ((target.id, -1), (nxt.id, target.id), (-1, nxt.id)):
        session.execute(text("UPDATE audit_event SET id = :new WHERE id = :old"), {"old": old, "new": new})
    return nxt.seq


def _tamper_swap_hashes(session: Session, target: AuditEvent, events: list[AuditEvent]) -> int:
    nxt = events[events.index(target) + 1]
    for event, other in ((target, nxt), (nxt, target)):
        session.execute(text("UPDATE audit_event SET hash = :h WHERE id = :id"), {"h": other.hash, "id": event.id})
    return target.seq


def _tamper_swap_seqs(session: Session, target: AuditEvent, events: list[AuditEvent]) -> int:
    nxt = events[events.index(target) + 1]
    for old, new in ((target.seq, -1), (nxt.seq, target.seq), (-1, nxt.seq)):
        session.execute(text("UPDATE audit_event SET seq = :new WHERE seq = :old"), {"old": old, "new": new})
    return target.seq


@pytest.mark.parametrize("tamper", [_tamper_edit, _tamper_edit_detail, _tamper_delete, _tamper_cut,
                                    _tamper_swap_ids, _tamper_swap_hashes, _tamper_swap_seqs],
                         ids=["edited", "edited-entity", "deleted", "cut", "swapped-ids", "swapped-hashes",
                              "swapped-seqs"])
def test_tampering_is_detected_at_the_first_bad_event(session: Session, tamper) -> None:
    events = _append(session, 8)
    assert verify_chain(session).ok
    target = events[2]
    expected_bad_seq = tamper(session, target, events)
    session.expire_all()
    report = verify_chain(session)
    assert not report.ok
    assert report.bad_seq == expected_bad_seq, report.summary()
    assert "审计链已损坏" in report.summary() and str(expected_bad_seq) in report.summary()


def test_an_anchor_reveals_a_cut_tail(session: Session) -> None:
    events = _append(session, 4)
    anchor = (events[-1].seq, events[-1].hash)
    assert verify_chain(session, anchor).ok
    session.execute(text("DELETE FROM audit_event WHERE seq >= :s"), {"s": events[-2].seq})
    session.expunge_all()  # the deleted rows' objects; SQLite hands their ids out again
    assert verify_chain(session).ok  # the chain alone cannot tell that its newest events are gone
    cut = verify_chain(session, anchor)
    assert not cut.ok and cut.bad_seq == anchor[0] and "末尾" in cut.summary()
    _append(session, 3)  # a forger re-appends: same seq, different hash
    rewritten = verify_chain(session, anchor)
    assert not rewritten.ok and "锚点不符" in rewritten.summary()


def test_display_end_job_is_audited(session: Session, keyring) -> None:
    import datetime as dt

    from tests.records import builders
    from xinyong.records import tasks

    dept = builders.department(session)
    builders.submit(session, keyring, dept, [builders.penalty(dept, decided=dt.date.today() - dt.timedelta(days=400))])
    session.flush()
    ended = tasks.expire_publications(session, dt.date.today() + dt.timedelta(days=1))
    session.flush()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "record.display_ended")
                            .order_by(AuditEvent.seq.desc())).first()
    assert ended >= 1 and event is not None and event.detail["count"] == ended and event.actor == "system:jobs"
    assert verify_chain(session).ok
