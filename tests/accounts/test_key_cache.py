"""Resolved API keys are cached per process for a few seconds, revocation drops them at once, and the usage
stamp is written at most once a minute (a write per request serialised every request of a key)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.conftest import drop_pg_database, empty_database_url, prepare_database
from xinyong.accounts import service
from xinyong.accounts.errors import InvalidApiKey
from xinyong.accounts.models import ApiKey
from xinyong.accounts.states import Role
from xinyong.crypto import Keyring
from xinyong.db import make_engine, make_session_factory, utcnow


def _key(session: Session, name: str = "缓存测试系统") -> tuple[ApiKey, str]:
    key, plain = service.create_api_key(session, name=name, role=Role.BUSINESS_SYSTEM, department=None, actor="admin")
    session.flush()
    return key, plain


def test_a_cached_key_is_refused_at_once_after_revocation(session: Session) -> None:
    key, plain = _key(session)
    assert service.resolve_api_key(session, plain).id == key.id  # now cached in this process
    service.revoke_api_key(session, key, actor="admin", reason="泄露")
    with pytest.raises(InvalidApiKey, match="无效或已吊销"):
        service.resolve_api_key(session, plain)


def test_a_cached_key_expires_after_its_seconds(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    key, plain = _key(session)
    service.resolve_api_key(session, plain)
    # Revoked behind the cache's back (another process): refused once the cached answer is older than its TTL.
    session.execute(update(ApiKey).where(ApiKey.id == key.id).values(status="revoked"))
    assert service.resolve_api_key(session, plain).id == key.id
    real = service.time.monotonic
    monkeypatch.setattr(service.time, "monotonic", lambda: real() + service.KEY_CACHE_SECONDS + 1)
    with pytest.raises(InvalidApiKey):
        service.resolve_api_key(session, plain)


@pytest.fixture()
def own_engine(backend: str, tmp_path: Path, keyring: Keyring):
    """A committed database of its own: the usage stamp is written on a connection of its own."""
    url = empty_database_url(backend, tmp_path)
    engine = make_engine(url)
    prepare_database(engine, keyring)
    yield engine
    engine.dispose()
    if backend == "postgresql":
        drop_pg_database(url)


def _stamp(engine, key_id: int) -> dt.datetime | None:
    with make_session_factory(engine)() as s:
        return s.scalar(select(ApiKey.last_used_at).where(ApiKey.id == key_id))


def test_usage_stamp_is_written_at_most_once_a_minute_outside_the_request(own_engine,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    factory = make_session_factory(own_engine)
    with factory() as s:
        key, plain = _key(s, "用量戳系统")
        s.commit()
    monkeypatch.setattr(service, "KEY_CACHE_SECONDS", 0.0)  # every call goes to the database
    with factory() as s:
        service.resolve_api_key(s, plain)
        s.rollback()  # the request's own transaction is not where the stamp lives
    first = _stamp(own_engine, key.id)
    assert first is not None and utcnow() - first < dt.timedelta(seconds=30)
    with factory() as s:
        service.resolve_api_key(s, plain)
        s.commit()
    assert _stamp(own_engine, key.id) == first  # within the minute: not written again
    with factory() as s:
        s.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=first - dt.timedelta(minutes=2)))
        s.commit()
    with factory() as s:
        service.resolve_api_key(s, plain)
    assert _stamp(own_engine, key.id) > first - dt.timedelta(seconds=1)
