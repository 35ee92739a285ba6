"""`xinyong objections overdue` against a fresh database of each backend (in-process, CliRunner)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import Cli, upgraded_cli
from tests.objections.builders import file, payload, public_penalty
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.db import make_engine, make_session_factory


@pytest.fixture(scope="module")
def cli(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    yield from upgraded_cli(backend, tmp_path_factory.mktemp("objections-cli"))


def test_overdue_lists_late_cases_only(cli: Cli) -> None:
    code, out = cli.run("objections", "overdue")
    assert code == 0 and "没有超期未办结的异议" in out, out
    key_file = Path(cli.env["XINYONG_KEY_FILE"])
    keyring = Keyring.from_json(key_file.read_text(), str(key_file))
    engine = make_engine(cli.url)
    with make_session_factory(engine)() as session:
        _, record = public_penalty(session, keyring)
        objection = file(session, keyring, Settings(database_url=cli.url), payload(record=record)).objection
        tracking, due = objection.tracking_code, objection.accept_due_on
        session.commit()
    engine.dispose()
    code, out = cli.run("objections", "overdue", "--today", due.isoformat())
    assert code == 0 and tracking not in out and "没有超期" in out, out
    code, out = cli.run("objections", "overdue", "--today", (due + dt.timedelta(days=1)).isoformat())
    assert code == 0 and tracking in out and "已提交，待受理" in out and "共 1 件" in out, out
    code, out = cli.run("objections", "overdue", "--today", "2026/12/01")
    assert code == 1 and "YYYY-MM-DD" in out
