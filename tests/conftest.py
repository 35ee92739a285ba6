"""Shared fixtures: every storage test runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from xinyong import migrate
from xinyong.app import create_app
from xinyong.catalog import service as catalog_service
from xinyong.catalog.definitions import load_occupational_groups
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.db import make_engine, make_session_factory
from xinyong.lists import service as lists_service
from xinyong.lists.definitions import load_list_types
from xinyong.measures import service as measures_service
from xinyong.measures.definitions import load_measures
from xinyong.subjects import service as subjects_service
from xinyong.system.models import SystemValue
from xinyong.system.service import KEY_CHECK

PG_ADMIN_URL = os.environ.get("XINYONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]
_pg_problem: str | None = None
_pg_checked = False


def pg_unavailable() -> str | None:
    """Why PostgreSQL can't be used, or None when it answers."""
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        try:
            probe = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
            probe.dispose()
        except Exception as exc:  # any failure means: not reachable here
            _pg_problem = f"PostgreSQL 不可用({PG_ADMIN_URL}):{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return _pg_problem


def require_backend(backend: str) -> None:
    """Skip PostgreSQL cases outside CI when it is not reachable; fail loudly under CI."""
    if backend != "postgresql":
        return
    problem = pg_unavailable()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true 但 {problem}")
        pytest.skip(problem)


def create_pg_database() -> str:
    """Create an empty PostgreSQL database for this test session; returns its URL."""
    name = f"xinyong_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    """Drop a database made by create_pg_database."""
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def empty_database_url(backend: str, folder: Path) -> str:
    """URL of a brand-new empty database of the backend."""
    if backend == "sqlite":
        return f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}"
    return create_pg_database()


def prepare_database(engine: Engine, keyring: Keyring) -> None:
    """Build the schema by running the migrations, then load reference data, as `db upgrade` does."""
    migrate.upgrade(engine)
    with make_session_factory(engine)() as session:
        session.add(SystemValue(name=KEY_CHECK, value=keyring.make_check_value()))
        catalog_service.sync_builtin(session)
        subjects_service.sync_occupational_groups(session, load_occupational_groups())
        lists_service.sync_list_types(session, load_list_types())
        measures_service.sync_measures(session, load_measures())
        session.commit()


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    """The test installation's keys."""
    return Keyring.generate()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Name of the storage backend under test."""
    require_backend(request.param)
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database per backend per test session, created here and dropped at the end."""
    url = empty_database_url(backend, tmp_path_factory.mktemp("db"))
    yield url
    if backend == "postgresql":
        drop_pg_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str, keyring: Keyring) -> Iterator[Engine]:
    """Engine on a migrated database with reference data."""
    eng = make_engine(database_url)
    prepare_database(eng, keyring)
    yield eng
    eng.dispose()


@pytest.fixture()
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture()
def session(connection: Connection) -> Iterator[Session]:
    """Session whose commits become savepoints of the test's outer transaction."""
    sess = make_session_factory(connection, join_transaction_mode="create_savepoint")()
    yield sess
    sess.close()


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings pointing at the test database and a temporary key file."""
    return Settings(database_url=database_url, key_file=tmp_path / "xinyong.key", region_name="测试市")


@pytest.fixture()
def client(connection: Connection, session: Session, settings: Settings, keyring: Keyring) -> Iterator[TestClient]:
    """HTTP client on an app that shares the test's rolled-back connection."""
    factory = make_session_factory(connection, join_transaction_mode="create_savepoint")
    app = create_app(settings, session_factory=factory, keyring=keyring)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
