"""Benchmark: the derived list moves of `xinyong jobs run` (run_list_jobs) over many subjects and entries.

Run on demand:  .venv/bin/python bench/lists.py [--subjects 1000000] [--entries 100000] [--backends sqlite,postgresql]
                [--backlog 1.0]

Per backend, on a fresh database (an SQLite file, or a PostgreSQL database created and dropped here):
`xinyong db upgrade`, then a bulk fill (untimed; executemany on SQLite, COPY on PostgreSQL) of N subjects,
E list entries and E credit records: red, black and watch entries in every domain, some past validity,
black entries that exited without their watch entry yet, subjects on watch lists in 3 domains (warning
candidates), warning entries that no longer qualify, and severe records decided while on a watch list.
Then `run_list_jobs(session, 2026-06-15, default calendar)` is timed twice, each in its own committed unit
of work: the first run makes the changes, the second must change nothing. Bar: each run < 30 s.
--backlog scales what the first run has to change (1: about 3% of the entries; a daily run sees far less).
Every change is per entry (history, audit, change event, exit announcement), so the first run's time grows
with the changes, the second run's with the data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import Connection

PG_ADMIN = os.environ.get("XINYONG_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def new_database(backend: str, folder: Path, prefix: str = "xinyong_bench") -> tuple[str, str | None]:
    """URL of a fresh database: an SQLite file in the folder, or a PostgreSQL database created here (its name)."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", None
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def drop_database(pg_name: str | None) -> None:
    """Drop a PostgreSQL database made by new_database (nothing for SQLite)."""
    if not pg_name:
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
    admin.dispose()
TODAY = dt.date(2026, 6, 15)
BAR_SECONDS = 30.0
BATCH = 20_000
DEPARTMENTS = ("市场监督管理局", "税务局", "应急管理局", "统计局", "财政局", "人力资源和社会保障局", "生态环境局",
               "住房和城乡建设局", "商务局")


@dataclass
class Result:
    """Fill and both timed runs of one backend."""

    backend: str
    fill_seconds: float = 0.0
    filled: dict[str, int] = field(default_factory=dict)
    runs: list[tuple[float, dict[str, int]]] = field(default_factory=list)
    error: str = ""


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "xinyong.cli.main", *args], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)


def _uscc(serial: int) -> str:
    from xinyong import codes

    body17 = f"91350602B{serial:08d}"
    return body17 + codes.uscc_check_char(body17)


class Filler:
    """Bulk rows with explicit ids, written in batches; COPY on PostgreSQL."""

    def __init__(self, conn: Connection, seed: int) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.rng = random.Random(seed)
        self.now = dt.datetime.now(dt.UTC)
        self.counts: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        return (self.conn.execute(text(f"SELECT MAX(id) FROM {table}")).scalar() or 0) + 1

    def write(self, table: str, rows: Iterator[dict[str, Any]]) -> None:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self._flush(table, batch)
                batch = []
        if batch:
            self._flush(table, batch)

    def _flush(self, table: str, batch: list[dict[str, Any]]) -> None:
        self.counts[table] = self.counts.get(table, 0) + len(batch)
        columns = list(batch[0])
        if self.pg:
            from psycopg.types.json import Jsonb

            raw = self.conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in row.values()])
            return
        from xinyong.db import Base

        self.conn.execute(insert(Base.metadata.tables[table]), batch)  # the column types convert the values

    def fix_sequences(self) -> None:
        if self.pg:
            for table in ("subject", "list_entry", "credit_record"):
                self.conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))


def fill(engine: Any, subjects: int, entries: int, seed: int, backlog: float = 1.0) -> dict[str, int]:
    """Departments through the service, then subjects, list entries and credit records in bulk."""
    from xinyong.catalog.models import RecordType
    from xinyong.db import make_session_factory
    from xinyong.demo.generator import DemoGenerator
    from xinyong.departments.service import add_department
    from xinyong.lists.models import ListType
    from xinyong.records.models import CreditRecord  # noqa: F401 - registers the tables

    with make_session_factory(engine)() as session:
        gen = DemoGenerator(seed)
        depts = [add_department(session, uscc=gen.uscc("11", "350600"), name=f"漳州市{n}", actor="bench").id
                 for n in DEPARTMENTS]
        types = {t.code: (t.id, str(t.kind), str(t.domain)) for t in session.scalars(select(ListType))}
        xzcf = session.scalar(select(RecordType.id).where(RecordType.code == "xzcf"))
        session.commit()
    with engine.begin() as conn:
        f = Filler(conn, seed)
        first_subject = f.next_id("subject")
        subject_ids = range(first_subject, first_subject + subjects)
        f.write("subject", ({"id": i, "kind": "法人及非法人组织", "name": f"漳州市基准{i}有限公司", "name_initials": "",
                             "uscc": _uscc(i), "region_code": "350602", "is_agency": False,
                             "created_at": f.now, "updated_at": f.now} for i in subject_ids))
        entry_rows, record_rows = _entries_and_records(f, types, list(subject_ids), depts, entries, xzcf, backlog)
        f.write("list_entry", iter(entry_rows))
        f.write("credit_record", iter(record_rows))
        f.fix_sequences()
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return f.counts


def _entries_and_records(f: Filler, types: dict[str, tuple[int, str, str]], subject_ids: list[int],
                         depts: list[int], total: int, xzcf: int, backlog: float) -> tuple[list[dict], list[dict]]:
    """The mix of entries (see the module docstring) and E credit records, 5% severe."""
    rng = f.rng
    by_kind: dict[str, list[str]] = {}
    for code, (_id, kind, _domain) in types.items():
        by_kind.setdefault(kind, []).append(code)
    red, black, watch = by_kind["红名单"], by_kind["严重失信主体名单"], sorted(by_kind["重点关注名单"])
    next_entry = f.next_id("list_entry")
    entries: list[dict] = []

    def entry(code: str, subject: int, start: dt.date, until: dt.date, status: str = "effective",
              **extra: Any) -> int:
        nonlocal next_entry
        row = {"id": next_entry, "list_type_id": types[code][0], "subject_id": subject,
               "department_id": rng.choice(depts), "status": status, "subject_name": f"漳州市基准{subject}有限公司",
               "facts": f"基准数据 {code} {next_entry}", "basis": "基准", "fingerprint": f"{next_entry:032x}",
               "recognised_on": start, "valid_from": start, "valid_until": until, "effective_at": f.now,
               "exited_at": None, "exit_reason": None, "derived_from_id": None, "derivation": None,
               "source_record_id": None, "created_by": "bench", "created_at": f.now, "updated_at": f.now}
        row.update(extra)
        entries.append(row)
        next_entry += 1
        return row["id"]

    def day(lo: int, hi: int) -> dt.date:
        return TODAY + dt.timedelta(days=rng.randint(lo, hi))

    records: list[dict] = []
    next_record = f.next_id("credit_record")

    def record(subject: int, decided: dt.date, severity: str) -> None:
        nonlocal next_record
        key = hashlib.sha256(f"bench-{next_record}".encode()).hexdigest()
        records.append({"id": next_record, "record_type_id": xzcf, "subject_id": subject,
                        "department_id": rng.choice(depts), "natural_key": key, "version": 1, "is_current": True,
                        "status": "effective", "content_hash": key, "document_number": f"漳市监罚〔2026〕{next_record}号",
                        "decision_on": decided, "severity": severity, "data": {}, "received_at": f.now,
                        "submitted_by": "bench", "reported_late": False, "publish_from": decided,
                        "publish_until": decided + dt.timedelta(days=365), "name_mismatch": False,
                        "created_at": f.now, "updated_at": f.now})
        next_record += 1

    pool = rng.sample(subject_ids, min(len(subject_ids), total))  # distinct subjects for the special cases
    special = iter(pool)
    share = max(1, round(total * backlog / 200))  # 0.5% of the entries at --backlog 1
    for _ in range(2 * share):  # past validity: exit on the first run
        code = rng.choice(red + watch + black)
        entry(code, next(special), day(-800, -400), day(-30, -1))
    for _ in range(share):  # exited black entries with no watch entry yet (one in five: listed by mistake)
        reason = "误列入" if rng.random() < 0.2 else rng.choice(("信用修复", "异议核实更正"))
        entry(rng.choice(black), next(special), day(-700, -400), day(300, 700), "exited",
              exited_at=f.now - dt.timedelta(days=rng.randint(1, 200)), exit_reason=reason)
    for _ in range(max(1, total // 50)):  # exited black entries already followed by their watch entry
        subject = next(special)
        code = rng.choice(black)
        exited = day(-200, -1)
        black_id = entry(code, subject, day(-900, -600), exited - dt.timedelta(days=1), "exited",
                         exited_at=f.now, exit_reason="有效期届满")
        watch_code = next(c for c in watch if types[c][2] == types[code][2])
        entry(watch_code, subject, exited, exited + dt.timedelta(days=364), derived_from_id=black_id,
              derivation="after_black_exit")
    for n in range(share):  # watch entries in 3 different domains (one in ten already on the warning list)
        subject = next(special)
        for code in rng.sample(watch, 3):
            entry(code, subject, day(-200, -10), day(100, 300))
        if n % 10 == 0:
            entry("credit_warning", subject, day(-9, -1), day(300, 360))
    for _ in range(max(1, share // 10)):  # warning entries whose subject is now on one watch list only
        subject = next(special)
        entry(rng.choice(watch), subject, day(-200, -10), day(100, 300))
        entry("credit_warning", subject, day(-100, -10), day(200, 300))
    for _ in range(share):  # a severe record decided while on a watch list
        subject = next(special)
        start = day(-200, -20)
        entry(rng.choice(watch), subject, start, day(100, 300))
        record(subject, start + dt.timedelta(days=rng.randint(0, 15)), "严重")
    while len(entries) < total:  # the rest: live entries of random subjects
        code = rng.choice(red * 2 + black * 2 + watch * 3)
        entry(code, rng.choice(subject_ids), day(-300, -1), day(30, 1000))
    while len(records) < total:
        severity = rng.choices(("轻微", "一般", "严重"), (70, 25, 5))[0]
        record(rng.choice(subject_ids), day(-1000, -1), severity)
    return entries, records


def run_backend(backend: str, subjects: int, entries: int, seed: int, backlog: float, folder: Path) -> Result:
    """Fresh database, upgrade, fill, then the two timed runs."""
    from xinyong.calendar import get_default_calendar
    from xinyong.db import make_engine, make_session_factory
    from xinyong.lists.tasks import run_list_jobs

    result = Result(backend)
    url, pg_name = new_database(backend, folder)
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(folder / f"{backend}.key")}
    engine = None
    try:
        _cli(["db", "upgrade"], env, folder)
        engine = make_engine(url)
        start = time.perf_counter()
        result.filled = fill(engine, subjects, entries, seed, backlog)
        result.fill_seconds = time.perf_counter() - start
        calendar = get_default_calendar()
        for _ in range(2):
            start = time.perf_counter()
            with make_session_factory(engine)() as session:
                counts = run_list_jobs(session, TODAY, calendar)
                session.commit()
            result.runs.append((time.perf_counter() - start, counts))
        with engine.connect() as conn:
            from xinyong.lists.models import ListEntry

            result.filled["list_entry after"] = conn.execute(select(func.count()).select_from(ListEntry)).scalar()
    except Exception as exc:  # noqa: BLE001 - report and go on with the next backend
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
    finally:
        if engine is not None:
            engine.dispose()
        drop_database(pg_name)
    return result


def _changes(counts: dict[str, int]) -> int:
    from xinyong.lists.tasks import CHANGE_KEYS

    return sum(counts.get(k, 0) for k in CHANGE_KEYS)


def main() -> None:
    """Fill and run on each backend, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backlog", type=float, default=1.0,
                        help="scale of the entries the first run changes (1: about 3%% of the entries)")
    args = parser.parse_args()
    if args.entries < 1_000 or args.subjects < args.entries:
        raise SystemExit("--entries must be at least 1,000 and --subjects at least --entries")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}; {args.subjects:,} subjects, {args.entries:,} list entries, "
          f"{args.entries:,} credit records; today {TODAY}", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="xinyong_bench_lists_") as tmp:
        for backend in (b.strip() for b in args.backends.split(",") if b.strip()):
            result = run_backend(backend, args.subjects, args.entries, args.seed, args.backlog, Path(tmp))
            results.append(result)
            print(f"{backend}: filled in {result.fill_seconds:.1f} s {result.filled}", flush=True)
            for n, (seconds, counts) in enumerate(result.runs, 1):
                print(f"  run {n}: {seconds:.2f} s {counts}", flush=True)
    print(f"{'backend':<12}{'1st run s':>11}{'changes':>9}{'2nd run s':>11}{'changes':>9}  bar < {BAR_SECONDS:.0f} s")
    for r in results:
        if r.error or len(r.runs) < 2:
            print(f"{r.backend:<12}FAILED: {r.error}")
            continue
        (s1, c1), (s2, c2) = r.runs
        met = s1 < BAR_SECONDS and s2 < BAR_SECONDS and _changes(c2) == 0
        print(f"{r.backend:<12}{s1:>11.2f}{_changes(c1):>9,}{s2:>11.2f}{_changes(c2):>9,}  "
              f"{'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
