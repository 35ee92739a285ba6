"""Atomic batches: a real `xinyong import` process killed with SIGKILL mid-import leaves nothing of its batch,
on a fresh database of each backend; running the same import again completes it exactly once, and a third
run changes nothing.

"Mid-import" is observed from outside: the import runs on a pseudo-terminal so that its Rich progress bar
is live, and it is killed only once the bar shows a whole chunk (50,000 rows) processed — so a pipeline that
committed chunk by chunk would leave rows behind — while the database shows its transaction still writing
(PostgreSQL: its connection holds the write lock on credit_record; SQLite: it holds the write lock and its
uncommitted pages have spilled into the WAL). The test asserts the process was still running when killed."""

from __future__ import annotations

import csv
import json
import os
import pty
import re
import select as io_select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from tests.conftest import drop_pg_database, empty_database_url
from tests.factories import make_resident_id, make_uscc
from xinyong.db import make_engine, make_session_factory
from xinyong.records.models import ChangeEvent, CreditRecord, ImportBatch, ImportRowError
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.slow

ROWS = 120_000
COMPANIES = 400  # distinct subjects, each penalised many times (one 文书号 per row)
PEOPLE = 40
DEPARTMENT = make_uscc("11", "350600")
DEPARTMENT_NAME = "漳州市市场监督管理局"
CHUNK_ROWS = 50_000  # open_file's default chunk: the progress bar advances once per chunk
WAIT_FOR_PROGRESS = 120.0  # seconds: generous for a slow machine
WAL_SPILL_BYTES = 2 << 20


@dataclass
class Env:
    url: str
    backend: str
    engine: Engine
    env: dict[str, str]
    folder: Path

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "xinyong.cli.main", *args]

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), env=self.env, cwd=self.folder, capture_output=True, text=True,
                              check=False, timeout=timeout)


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ROWS valid 行政处罚 rows of COMPANIES companies and PEOPLE persons, all of DEPARTMENT."""
    path = tmp_path_factory.mktemp("atomic") / "BIG.csv"
    companies = [(make_uscc(), f"漳州市批量测试第{i}号贸易有限公司") for i in range(COMPANIES)]
    people = [(make_resident_id("350602", "19800101"), f"测试人{i:02d}") for i in range(PEOPLE)]
    header = ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_FRDB", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_WSH", "CF_WFXW",
              "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY",
              "CF_SJLYDM"]
    tail = ["未按规定公示年度报告", "经查，当事人未按规定公示年度报告，违反了《企业信息公示暂行条例》的规定。",
            "《企业信息公示暂行条例》第十八条"]
    dept = [DEPARTMENT_NAME, DEPARTMENT, DEPARTMENT_NAME, DEPARTMENT]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        block = []
        for i in range(ROWS):
            day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
            until = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
            if i % 500 == 7:
                number, name = people[(i // 500) % PEOPLE]
                subject = [name, "自然人", "", "", "居民身份证", number]
            else:
                code, name = companies[i % COMPANIES]
                subject = [name, "法人及非法人组织", code, "王建国", "", ""]
            block.append([*subject, f"漳市监罚〔2024〕A{i:07d}号", *tail, "罚款", f"罚款人民币{1000 + i % 9000}元",
                          f"{(1000 + i % 9000) / 10000:.4f}".rstrip("0"), day, until, *dept])
            if len(block) == 20_000:
                writer.writerows(block)
                block = []
        writer.writerows(block)
    return path


@pytest.fixture()
def fresh(backend: str, tmp_path: Path) -> Iterator[Env]:
    """A brand-new database set up through the CLI: `db upgrade` and `departments add`."""
    url = empty_database_url(backend, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYONG_")}
    env.update(XINYONG_DATABASE_URL=url, XINYONG_KEY_FILE=str(tmp_path / "k.key"), COLUMNS="200", NO_COLOR="1",
               PYTHONIOENCODING="utf-8")
    engine = make_engine(url)
    setup = Env(url, backend, engine, env, tmp_path)
    try:
        for args in (("db", "upgrade"), ("departments", "add", DEPARTMENT, DEPARTMENT_NAME)):
            done = setup.run(*args, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
        yield setup
    finally:
        engine.dispose()
        if backend == "postgresql":
            drop_pg_database(url)


def _counts(engine: Engine) -> dict[str, int]:
    with make_session_factory(engine)() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
                for m in (CreditRecord, ImportBatch, ChangeEvent, Subject, ImportRowError)}


def _writing(env: Env) -> bool:
    """Whether another connection is in the middle of writing credit records right now."""
    if env.backend == "postgresql":
        with env.engine.connect() as conn:
            return bool(conn.execute(text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'credit_record' AND l.mode = 'RowExclusiveLock' AND l.granted "
                "AND l.pid <> pg_backend_pid()")).scalar())
    database = env.url.removeprefix("sqlite:///")
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:  # "database is locked": a writer's transaction is open
        if "locked" not in str(exc):
            raise
        wal = Path(database + "-wal")
        return wal.exists() and wal.stat().st_size > WAL_SPILL_BYTES
    finally:
        probe.close()


def _rows_done(output: bytes) -> int:
    """The highest row count the Rich progress bar has shown so far ("50,000 行")."""
    counts = re.findall(r"([0-9][0-9,]*) 行", output.decode("utf-8", errors="ignore"))
    return max((int(c.replace(",", "")) for c in counts), default=0)


def _kill_mid_import(env: Env, csv_path: Path) -> tuple[float, int]:
    """Start the import on a pseudo-terminal (so its progress bar is live), wait until it has finished the
    first chunk of CHUNK_ROWS rows and is still writing, SIGKILL it; returns (seconds run, rows shown)."""
    master, slave = pty.openpty()
    output = b""
    try:
        proc = subprocess.Popen(env.command("import", str(csv_path), "--catalog", "xzcf", "--department", DEPARTMENT),
                                env={**env.env, "TERM": "xterm"}, cwd=env.folder, stdin=subprocess.DEVNULL,
                                stdout=slave, stderr=slave)
        os.close(slave)
        slave = -1
        started = time.monotonic()
        try:
            while True:
                ready, _, _ = io_select.select([master], [], [], 0.05)
                if ready:
                    try:
                        output += os.read(master, 65536)
                    except OSError:  # the child closed the terminal
                        pass
                assert proc.poll() is None, (
                    f"the import ended (exit {proc.returncode}) before it could be killed mid-way: "
                    f"{output.decode('utf-8', errors='ignore')[-2000:]}")
                assert time.monotonic() - started < WAIT_FOR_PROGRESS, (
                    f"no progress past {CHUNK_ROWS:,} rows: {output.decode('utf-8', errors='ignore')[-2000:]}")
                if _rows_done(output) >= CHUNK_ROWS and _writing(env):
                    break
            assert proc.poll() is None, "the import finished before it could be killed: make the file bigger"
            elapsed = time.monotonic() - started
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        return elapsed, _rows_done(output)
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)


def _import_json(env: Env, csv_path: Path) -> dict:
    done = env.run("import", str(csv_path), "--catalog", "xzcf", "--department", DEPARTMENT, "--json")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(done.stdout)


def test_a_killed_import_leaves_nothing_and_a_rerun_completes_it(fresh: Env, big_csv: Path) -> None:
    before = _counts(fresh.engine)
    assert before["credit_record"] == before["import_batch"] == before["change_event"] == 0

    elapsed, shown = _kill_mid_import(fresh, big_csv)
    assert CHUNK_ROWS <= shown < ROWS  # killed after a whole chunk had been written, before the end
    after_kill = _counts(fresh.engine)
    assert after_kill == before, f"a killed import left rows behind after {elapsed:.1f} s: {after_kill}"

    summary = _import_json(fresh, big_csv)
    assert summary["status"] == "committed"
    assert (summary["received"], summary["accepted"], summary["rejected"], summary["error_count"]) == (ROWS, ROWS, 0, 0)
    done = _counts(fresh.engine)
    assert done["credit_record"] == ROWS and done["change_event"] == ROWS and done["import_batch"] == 1
    assert done["subject"] == before["subject"] + COMPANIES + PEOPLE
    with make_session_factory(fresh.engine)() as s:
        assert s.scalar(select(func.count(func.distinct(CreditRecord.natural_key)))) == ROWS
        assert s.scalar(select(func.count(func.distinct(CreditRecord.document_number)))) == ROWS
        assert s.scalar(select(func.count()).select_from(CreditRecord).where(
            CreditRecord.batch_id != summary["batch_id"])) == 0
        rows = s.scalar(select(func.min(CreditRecord.source_row))), s.scalar(select(func.max(CreditRecord.source_row)))
        assert rows == (2, ROWS + 1)

    third = _import_json(fresh, big_csv)
    assert (third["received"], third["accepted"], third["updated"], third["unchanged"], third["rejected"]) == (
        ROWS, 0, 0, ROWS, 0)
    final = _counts(fresh.engine)
    assert final["credit_record"] == ROWS and final["change_event"] == ROWS and final["import_batch"] == 2
    assert final["subject"] == done["subject"]
