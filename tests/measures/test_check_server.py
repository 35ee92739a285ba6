"""The check route on a real uvicorn server with its own pooled engine: no deadlock when requests outnumber
connections, a killed database connection is retried once, and every answered check is logged."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, func, select, text

from tests.conftest import PG_ADMIN_URL, drop_pg_database, empty_database_url, prepare_database
from tests.factories import company
from tests.lists.builders import DAY
from tests.lists.test_tasks import listed
from tests.records.builders import department, weekends_calendar
from xinyong.accounts.service import create_api_key
from xinyong.accounts.states import Role
from xinyong.app import create_app
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.db import make_engine, make_session_factory
from xinyong.lists.api import calendar_dep
from xinyong.measures.models import CreditCheck

POOL = 2  # far fewer connections than concurrent requests: the old plumbing deadlocked here


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def served(backend: str, tmp_path: Path, keyring: Keyring) -> Iterator[tuple[str, dict[str, str], str, str]]:
    """A fresh database with a listed company and a business-system key, served by uvicorn in a thread."""
    url = empty_database_url(backend, tmp_path)
    engine = make_engine(url)
    prepare_database(engine, keyring)
    with make_session_factory(engine)() as session:
        dept = department(session, "漳州市公共资源交易中心")
        firm = company(session, "漳州市并发测试建设有限公司")
        listed(session, "procurement_serious", firm, dept, DAY - dt.timedelta(days=30),
               until=dt.date.today() + dt.timedelta(days=300))
        _, plain = create_api_key(session, name="并发测试", role=Role.BUSINESS_SYSTEM, department=dept, actor="test")
        code = firm.uscc
        session.commit()
    engine.dispose()
    settings = Settings(database_url=url, key_file=tmp_path / "unused.key", db_pool_size=POOL, log_level="WARNING")
    app = create_app(settings, keyring=keyring)
    app.dependency_overrides[calendar_dep] = weekends_calendar  # feedback dates may fall in a year not loaded
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}", {"X-API-Key": plain}, code, url
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        if backend == "postgresql":
            drop_pg_database(url)


def _logged(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(CreditCheck)).scalar_one()
    engine.dispose()
    return n


def test_many_concurrent_checks_on_a_tiny_pool_all_answer(served) -> None:
    base, headers, code, url = served
    body = {"subject": {"code": code}, "matter": "政府采购"}

    def one(_: int) -> int:
        with httpx.Client(base_url=base, timeout=20) as http:
            return http.post("/api/v1/checks", headers=headers, json=body).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(48) as pool:
        statuses = list(pool.map(one, range(240)))
    assert statuses == [200] * 240
    # The old plumbing waited out the 30 s pool timeout and failed; this is bounded by real work.
    assert time.monotonic() - started < 25
    assert _logged(url) == 240


def test_generic_routes_do_not_deadlock_either(served) -> None:
    base, headers, _, _ = served

    def one(_: int) -> int:
        with httpx.Client(base_url=base, timeout=20) as http:
            return http.get("/api/v1/checks/follow-up", headers=headers).status_code

    with ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(one, range(96)))
    assert statuses == [200] * 96


def test_a_killed_database_connection_is_retried_once(served, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no server connection to kill")
    base, headers, code, url = served
    body = {"subject": {"code": code}, "matter": "政府采购"}
    with httpx.Client(base_url=base, timeout=20) as http:
        assert http.post("/api/v1/checks", headers=headers, json=body).status_code == 200
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                       "WHERE datname = :db AND pid <> pg_backend_pid()"),
                                  {"db": url.rsplit("/", 1)[1]}).scalar_one()
        admin.dispose()
        assert killed >= 1  # the pooled connection of the first check
        answer = http.post("/api/v1/checks", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["found"] is True
    assert _logged(url) == 2
