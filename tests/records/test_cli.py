"""`xinyong import` and `xinyong jobs run` against a fresh database of each backend.

The commands run in-process through Typer's CliRunner with the environment a real shell would give them
(XINYONG_DATABASE_URL, XINYONG_KEY_FILE); test_atomic.py runs the real `python -m xinyong.cli.main`."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.conftest import drop_pg_database, empty_database_url
from tests.factories import make_uscc
from tests.records.builders import penalty, person_id, write_csv
from xinyong.cli import common
from xinyong.cli.main import app
from xinyong.config import get_settings
from xinyong.db import make_engine, make_session_factory
from xinyong.departments.models import Department
from xinyong.records.models import ChangeEvent, CreditRecord, ImportBatch


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    folder: Path
    engine: Engine
    env: dict[str, str]
    dept: Department

    def run(self, *args: str) -> Result:
        runner = CliRunner()
        get_settings.cache_clear()
        try:
            result = runner.invoke(app, list(args), env=self.env, catch_exceptions=False)
        finally:
            get_settings.cache_clear()
        return Result(result.exit_code, result.stdout, result.stderr)

    def session(self) -> Session:
        return make_session_factory(self.engine)()


@pytest.fixture(scope="module")
def cli(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """A brand-new database of the backend, set up by `xinyong db upgrade` and `departments add`."""
    folder = tmp_path_factory.mktemp("import-cli")
    url = empty_database_url(backend, folder)
    env = {"XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(folder / "k.key"), "COLUMNS": "200",
           "NO_COLOR": "1"}
    engine = make_engine(url)
    dept = Department(uscc=make_uscc("11", "350600"), name="漳州市市场监督管理局")
    runner = Cli(folder, engine, env, dept)
    try:
        upgraded = runner.run("db", "upgrade")
        assert upgraded.code == 0, upgraded.out + upgraded.err
        added = runner.run("departments", "add", dept.uscc, dept.name)
        assert added.code == 0, added.out + added.err
        yield runner
    finally:
        common.engine_for(url).dispose()
        common.engine_for.cache_clear()
        engine.dispose()
        if backend == "postgresql":
            drop_pg_database(url)


def _count(cli: Cli, model: type, *where: object) -> int:
    with cli.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_import_prints_the_summary_table(cli: Cli, tmp_path: Path) -> None:
    rows = [penalty(cli.dept), penalty(cli.dept, person_id=person_id(), name="许文强"),
            penalty(cli.dept, CF_CFLB="拘役")]
    path = write_csv(tmp_path / "处罚.csv", rows)
    result = cli.run("import", str(path), "--catalog", "xzcf", "--department", cli.dept.uscc)
    assert result.code == 0, result.out + result.err
    assert "Traceback" not in result.out + result.err
    for heading in ("接收", "新增", "更新", "未变化", "撤销", "拒绝"):
        assert heading in result.out
    assert "批次" in result.out
    numbers = next(line for line in result.out.splitlines() if re.match(r"^\W*3\W", line))
    assert re.findall(r"\d+", numbers) == ["3", "2", "0", "0", "0", "1", "0", "0"]
    assert "处罚类别" in result.out and "拘役" in result.out and "不是可选值" in result.out  # the error table
    with cli.session() as s:
        batch = s.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
        assert (batch.received, batch.accepted, batch.rejected, batch.status) == (3, 2, 1, "committed")
        assert batch.channel == "cli" and batch.file_name == "处罚.csv" and batch.submitted_by == "cli:0"
        assert s.scalar(select(func.count()).select_from(CreditRecord).where(CreditRecord.batch_id == batch.id)) == 2


def test_import_json_prints_the_counts(cli: Cli, tmp_path: Path) -> None:
    rows = [penalty(cli.dept), penalty(cli.dept)]
    path = write_csv(tmp_path / "json.csv", rows)
    first = cli.run("import", str(path), "--catalog", "xzcf", "--department", cli.dept.uscc, "--json")
    assert first.code == 0, first.out + first.err
    summary = json.loads(first.out)
    assert {k: summary[k] for k in ("received", "accepted", "updated", "unchanged", "revoked", "rejected")} == {
        "received": 2, "accepted": 2, "updated": 0, "unchanged": 0, "revoked": 0, "rejected": 0}
    assert summary["status"] == "committed" and summary["file_name"] == "json.csv" and summary["errors"] == []
    again = json.loads(cli.run("import", str(path), "--catalog", "xzcf", "--department", cli.dept.uscc,
                               "--json").out)
    assert (again["accepted"], again["unchanged"]) == (0, 2)
    assert again["batch_id"] > summary["batch_id"]


def test_unknown_department_exits_1_with_a_chinese_message(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [penalty(cli.dept)])
    batches = _count(cli, ImportBatch)
    result = cli.run("import", str(path), "--catalog", "xzcf", "--department", make_uscc("11", "350600"))
    assert result.code == 1
    assert "未找到" in result.err and "部门" in result.err
    assert "Traceback" not in result.out + result.err
    assert _count(cli, ImportBatch) == batches


def test_unreadable_file_exits_1_and_records_a_failed_batch(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "空文件.csv"
    path.write_bytes(b"")
    records = _count(cli, CreditRecord)
    result = cli.run("import", str(path), "--catalog", "xzcf", "--department", cli.dept.uscc)
    assert result.code == 1
    assert "错误" in result.err and "Traceback" not in result.out + result.err
    with cli.session() as s:
        batch = s.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
        assert batch.status == "failed" and batch.file_name == "空文件.csv" and batch.failure
        assert batch.failure in result.err.replace("\n", "") or batch.failure[:10] in result.err
    assert _count(cli, CreditRecord) == records
    as_json = cli.run("import", str(path), "--catalog", "xzcf", "--department", cli.dept.uscc, "--json")
    assert as_json.code == 1
    assert json.loads(as_json.out)["status"] == "failed"


def test_jobs_run_expires_records_once(cli: Cli, tmp_path: Path) -> None:
    # Decided in 2024: shown until 2025 (一般) or 2027 (严重); all over by 2030.
    rows = [penalty(cli.dept, decided=dt.date(2024, 1, 10), CF_YXQ="2024-12-31"),
            penalty(cli.dept, decided=dt.date(2024, 1, 10), category="吊销许可证件")]
    path = write_csv(tmp_path / "old.csv", rows)
    assert cli.run("import", str(path), "--catalog", "xzcf", "--department", cli.dept.uscc).code == 0
    due = _count(cli, CreditRecord, CreditRecord.expired_at.is_(None), CreditRecord.publish_until < dt.date(2030, 1, 1),
                 CreditRecord.status == "effective", CreditRecord.is_current.is_(True))
    assert due >= 2
    events = _count(cli, ChangeEvent, ChangeEvent.kind == "expired")
    first = cli.run("jobs", "run", "--today", "2030-01-01")
    assert first.code == 0, first.out + first.err
    assert "2030-01-01" in first.out and f"公示期满下线 {due:,} 条" in first.out
    assert _count(cli, ChangeEvent, ChangeEvent.kind == "expired") == events + due
    second = cli.run("jobs", "run", "--today", "2030-01-01")
    assert second.code == 0 and "公示期满下线 0 条" in second.out
    assert _count(cli, ChangeEvent, ChangeEvent.kind == "expired") == events + due
    bad = cli.run("jobs", "run", "--today", "2030/01/01")
    assert bad.code == 1 and "YYYY-MM-DD" in bad.err
