"""Storage kernel: URLs, unit of work, typed columns."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.factories import make_uscc
from xinyong.audit.models import AuditEvent
from xinyong.db import make_session_factory, normalize_url, unit_of_work
from xinyong.subjects.models import Subject
from xinyong.subjects.states import SubjectKind


@pytest.mark.parametrize("url, expected", [
    ("postgresql://postgres@127.0.0.1:5432/xinyong", "postgresql+psycopg://postgres@127.0.0.1:5432/xinyong"),
    ("postgres://u:p%40ss@db/x", "postgresql+psycopg://u:p%40ss@db/x"),
    ("postgresql+psycopg://u@h/x", "postgresql+psycopg://u@h/x"),
    ("sqlite:///./xinyong.db", "sqlite:///./xinyong.db"),
])
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_unit_of_work_commits_or_rolls_back(engine: Engine) -> None:
    factory = make_session_factory(engine)
    code = make_uscc()
    with pytest.raises(RuntimeError), unit_of_work(factory) as session:
        session.add(Subject(kind=SubjectKind.LEGAL_PERSON, name="回滚测试公司", uscc=code))
        session.flush()
        raise RuntimeError("boom")
    with factory() as session:
        assert session.scalars(select(Subject).where(Subject.uscc == code)).first() is None
    with unit_of_work(factory) as session:
        session.add(Subject(kind=SubjectKind.LEGAL_PERSON, name="提交测试公司", uscc=code))
    with unit_of_work(factory) as session:
        stored = session.scalars(select(Subject).where(Subject.uscc == code)).one()
        assert stored.kind is SubjectKind.LEGAL_PERSON  # read back as the enum member, not a plain str
        session.delete(stored)


def test_datetimes_are_utc_aware_and_naive_ones_refused(session: Session) -> None:
    event = AuditEvent(actor="t", action="x", entity_type="t", detail={"中文": "值"})
    session.add(event)
    session.flush()
    session.expire(event)
    assert event.occurred_at.tzinfo is not None and event.occurred_at.utcoffset() == dt.timedelta(0)
    assert event.detail == {"中文": "值"}
    session.add(AuditEvent(actor="t", action="x", entity_type="t", occurred_at=dt.datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_unknown_enum_value_in_database_is_loud(session: Session) -> None:
    from sqlalchemy import text

    session.execute(text("INSERT INTO subject (kind, name, name_initials, is_agency, created_at, updated_at) "
                         "VALUES ('外星人', 'x', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    with pytest.raises(ValueError, match="外星人"):
        session.scalars(select(Subject).where(Subject.name == "x")).all()
