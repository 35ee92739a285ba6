"""Migration 0008 chains the events written before it, so an upgraded database verifies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import drop_pg_database, empty_database_url, require_backend
from xinyong import migrate
from xinyong.audit.service import record_event, verify_chain
from xinyong.db import make_engine, make_session_factory


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_upgrade_backfills_the_chain_of_existing_events(backend_name: str, tmp_path: Path) -> None:
    require_backend(backend_name)
    url = empty_database_url(backend_name, tmp_path)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine, "0007")
        moment = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)
        with engine.begin() as conn:
            for i in range(7):
                conn.execute(
                    text("INSERT INTO audit_event (occurred_at, actor, action, entity_type, entity_id, detail) "
                         "VALUES (:at, :actor, 'old.event', 'thing', :eid, :detail)"),
                    {"at": moment + dt.timedelta(minutes=i), "actor": f"旧用户{i}", "eid": str(i),
                     "detail": f'{{"n": {i}, "原因": "迁移前"}}'},
                )
        migrate.upgrade(engine)
        with make_session_factory(engine)() as session:
            report = verify_chain(session)
            assert report.ok and report.checked == 7, report.summary()
            record_event(session, actor="new", action="new.event", entity_type="thing")
            session.commit()
            assert verify_chain(session).checked == 8
            session.execute(text("UPDATE audit_event SET actor = '别人' WHERE seq = 4"))
            assert verify_chain(session).bad_seq == 4
    finally:
        engine.dispose()
        if backend_name == "postgresql":
            drop_pg_database(url)
