"""`xinyong jobs run` marks repair applications whose deadlines passed, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import Cli, upgraded_cli
from tests.repairs.builders import apply, penalised, record_application
from xinyong.config import Settings
from xinyong.db import make_engine, make_session_factory
from xinyong.repairs.models import RepairApplication
from xinyong.system.service import load_keyring


@pytest.fixture(scope="module")
def cli(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cli, Path]]:
    folder = tmp_path_factory.mktemp("repairs-cli")
    for runner in upgraded_cli(backend, folder):
        yield runner, folder


def test_jobs_run_marks_overdue_applications_once(cli):
    runner, folder = cli
    settings = Settings(database_url=runner.url, key_file=folder / "k.key", attachment_dir=folder / "files")
    engine = make_engine(runner.url)
    with make_session_factory(engine)() as session:
        keyring = load_keyring(session, settings)
        _, subject, record = penalised(session, keyring)
        app = apply(session, keyring, settings, record_application(record, subject))
        app_id, late = app.id, app.decide_due_on + dt.timedelta(days=1)
        session.commit()
    code, out = runner.run("jobs", "run", "--today", late.isoformat())
    assert code == 0 and "标记逾期 2 条" in out, out
    code, out = runner.run("jobs", "run", "--today", late.isoformat())
    assert code == 0 and "标记逾期 0 条" in out, out
    with make_session_factory(engine)() as session:
        stored = session.get(RepairApplication, app_id)
        assert stored.accept_overdue and stored.decide_overdue
    engine.dispose()
