"""`xinyong jobs run` deletes query logs past the retention period, once (idempotent), on both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cli_support import Cli, upgraded_cli
from xinyong.cli import common
from xinyong.queries.models import QueryLog
from xinyong.queries.tasks import retention_cutoff
from xinyong.subjects.models import Subject
from xinyong.subjects.states import SubjectKind

TODAY = dt.date(2026, 6, 1)


@pytest.fixture()
def cli(backend: str, tmp_path: Path) -> Iterator[Cli]:
    """A fresh upgraded database of the backend, driven through the CLI."""
    yield from upgraded_cli(backend, tmp_path)


def log(subject_id: int, at: dt.datetime) -> QueryLog:
    return QueryLog(queried_at=at, channel="authorised", actor="user:1", actor_name="信用办", actor_role="credit_office_admin",
                    subject_id=subject_id, purpose="supervision", authorisation_kind="legal_basis",
                    authorisation_ref="《行政处罚法》第五十四条", result_digest="0" * 64, result_summary={"records": 0})


def test_jobs_run_purges_old_query_logs_once(cli: Cli) -> None:
    cutoff = retention_cutoff(TODAY, 5)
    with Session(common.engine_for(cli.url)) as session:
        person = Subject(kind=SubjectKind.NATURAL_PERSON, name="保留期测试", name_initials="blqcs")
        session.add(person)
        session.flush()
        session.add_all([log(person.id, cutoff - dt.timedelta(days=1)), log(person.id, cutoff + dt.timedelta(days=1))])
        session.commit()
    code, out = cli.run("jobs", "run", "--today", TODAY.isoformat())
    assert code == 0 and "超过保存期限的查询日志删除 1 条" in out, out
    code, out = cli.run("jobs", "run", "--today", TODAY.isoformat())
    assert code == 0 and "超过保存期限的查询日志删除 0 条" in out, out
    with Session(common.engine_for(cli.url)) as session:
        assert session.scalar(select(func.count()).select_from(QueryLog)) == 1
