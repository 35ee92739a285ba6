"""Two PostgreSQL transactions appending at the same time do not fork the chain."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from xinyong.audit.models import AuditEvent
from xinyong.audit.service import record_event, verify_chain
from xinyong.db import make_session_factory


def test_concurrent_appends_stay_linear(backend: str, engine: Engine) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time; the advisory lock is PostgreSQL's")
    factory = make_session_factory(engine)
    with factory() as s:
        start = verify_chain(s)
    assert start.ok, start.summary()
    workers, per_worker = 4, 5
    # Every worker reads the head while the others are inside their transactions: without the lock
    # all of them would read the same head and append the same seq.
    ready = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with factory() as s, s.begin():
                ready.wait(timeout=10)
                for i in range(per_worker):
                    record_event(s, actor=f"worker-{n}", action="test.concurrent", entity_type="thing", entity_id=i)
                    s.flush()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert not errors, errors
        with factory() as s:
            report = verify_chain(s)
            added = s.scalars(select(AuditEvent).where(AuditEvent.seq > start.head_seq).order_by(AuditEvent.seq)).all()
        assert report.ok, report.summary()
        assert [e.seq for e in added] == list(range(start.head_seq + 1, start.head_seq + 1 + workers * per_worker))
        # Each worker's events are contiguous: one transaction held the chain until it committed.
        actors = [e.actor for e in added]
        runs = [a for i, a in enumerate(actors) if i == 0 or actors[i - 1] != a]
        assert sorted(runs) == sorted({f"worker-{n}" for n in range(workers)})
    finally:
        with factory() as s, s.begin():  # cutting the tail keeps the chain valid for the other tests
            s.execute(delete(AuditEvent).where(AuditEvent.seq > start.head_seq))
