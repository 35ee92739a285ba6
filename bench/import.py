"""Benchmark: `xinyong import` of a large 行政处罚 CSV (GBK), validation included, beside raw PostgreSQL COPY.

Run on demand:  .venv/bin/python bench/import.py [--rows 1000000] [--backends sqlite,postgresql] [--keep]

Generates the file once (bench/make_penalties.py; its time is reported apart and is no part of any rate),
then per backend, on a fresh database (an SQLite file, or a PostgreSQL database created and dropped here):
`xinyong db upgrade`, `xinyong departments add`, and two timed runs of
`xinyong import FILE --catalog xzcf --department USCC --json`, each a subprocess measured for wall time and
peak RSS: the first imports every row, the second ("re-import") finds them all unchanged. For PostgreSQL
the same file, transcoded to UTF-8 beforehand (untimed), is also COPYed into a plain table of text columns,
so the ratio of the two rates shows what validation and storage cost. Issue targets: ≥150,000 rows/s into
PostgreSQL, ≥80,000 rows/s into SQLite, peak RSS < 500 MB. Loopback only.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_penalties import DEFAULT_DEPARTMENT, HEADER, department_code, write_penalties

PG_ADMIN = os.environ.get("XINYONG_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TARGETS = {"sqlite": 80_000, "postgresql": 150_000}  # rows/s, from the issue
RSS_LIMIT_MB = 500
COPY_BLOCK = 1 << 20
GNU_TIME = "/usr/bin/time"


@dataclass
class Run:
    """One timed command: wall seconds, peak RSS of the child, its JSON summary (None when it failed)."""

    label: str
    rows: int
    seconds: float
    rss_mb: float | None
    summary: dict | None
    error: str = ""


def _gnu_time() -> bool:
    """Whether /usr/bin/time is GNU time (-v prints 'Maximum resident set size')."""
    try:
        out = subprocess.run([GNU_TIME, "-v", "true"], capture_output=True, text=True, check=False)
    except OSError:
        return False
    return "Maximum resident set size" in out.stderr


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "xinyong.cli.main", *args], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)


def _timed(label: str, rows: int, args: list[str], env: dict[str, str], cwd: Path, use_time: bool) -> Run:
    """Run a CLI command as its own child, timing it and reading its peak RSS.

    With GNU time the RSS is its "Maximum resident set size" of the command alone. Without it a small
    Python wrapper runs the command and reports RUSAGE_CHILDREN.ru_maxrss, which then covers that one child
    only (ru_maxrss of this process's children would be the max over every command run so far).
    """
    command = [sys.executable, "-m", "xinyong.cli.main", *args]
    rss_file = cwd / f"rss-{uuid.uuid4().hex[:8]}.txt"
    if use_time:
        command = [GNU_TIME, "-v", "-o", str(rss_file), *command]
    else:
        wrapper = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[2:]); "
                   "open(sys.argv[1], 'w').write(f'Maximum resident set size (kbytes): "
                   "{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}'); sys.exit(rc)")
        command = [sys.executable, "-c", wrapper, str(rss_file), *command]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    rss = None
    if rss_file.exists():
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", rss_file.read_text())
        rss = int(found.group(1)) / 1024 if found else None
        rss_file.unlink()
    summary, error = None, ""
    try:
        summary = json.loads(done.stdout)
    except json.JSONDecodeError:
        error = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1][:300]
    if done.returncode != 0:
        error = error or (done.stderr.strip() or f"exit {done.returncode}").splitlines()[-1][:300]
    return Run(label, rows, seconds, rss, summary if not error else None, error)


def _pg_database(admin, name: str | None = None) -> str:
    name = name or f"xinyong_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return name


def _pg_drop(admin, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _libpq(url: str) -> str:
    """SQLAlchemy URL → libpq URL (psycopg.connect)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def run_backend(backend: str, csv_path: Path, rows: int, dept: tuple[str, str], folder: Path,
                use_time: bool) -> list[Run]:
    """Fresh database, upgrade, department, then the import and the re-import."""
    pg_name = admin = None
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    elif backend == "postgresql":
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        pg_name = _pg_database(admin)
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"
    else:
        raise SystemExit(f"unknown backend {backend!r}")
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(folder / f"{backend}.key")}
    try:
        _cli(["db", "upgrade"], env, folder)
        _cli(["departments", "add", dept[0], dept[1]], env, folder)
        args = ["import", str(csv_path), "--catalog", "xzcf", "--department", dept[0], "--json"]
        first = _timed(backend, rows, args, env, folder, use_time)
        if first.error:
            return [first]
        again = _timed(f"{backend} re-import", rows, args, env, folder, use_time)
        return [first, again]
    finally:
        if pg_name and admin is not None:
            _pg_drop(admin, pg_name)
            admin.dispose()


def transcode(src: Path, dst: Path, encoding: str = "gbk") -> None:
    """GBK → UTF-8, streamed (untimed preparation of the COPY baseline)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with src.open("rb") as fin, dst.open("wb") as fout:
        while block := fin.read(COPY_BLOCK):
            fout.write(decoder.decode(block).encode("utf-8"))
        fout.write(decoder.decode(b"", final=True).encode("utf-8"))


def raw_copy(utf8_path: Path, rows: int) -> Run:
    """COPY the UTF-8 file into a plain table of text columns on a fresh database, streamed in 1 MB blocks."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = _pg_database(admin)
    try:
        with psycopg.connect(_libpq(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")) as conn:
            conn.execute(f"CREATE TABLE raw_penalty ({', '.join(f'{c.lower()} text' for c in HEADER)})")
            conn.commit()
            start = time.perf_counter()
            with conn.cursor() as cur, utf8_path.open("rb") as fh, \
                    cur.copy("COPY raw_penalty FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while block := fh.read(COPY_BLOCK):
                    copy.write(block)
            conn.commit()
            seconds = time.perf_counter() - start
            copied = conn.execute("SELECT count(*) FROM raw_penalty").fetchone()[0]  # type: ignore[index]
        return Run("raw COPY (PostgreSQL)", copied, seconds, None, None,
                   "" if copied == rows else f"copied {copied:,} of {rows:,} rows")
    finally:
        _pg_drop(admin, name)
        admin.dispose()


def _versions() -> str:
    parts = [f"SQLite {sqlite3.sqlite_version}"]
    try:
        with psycopg.connect(_libpq(PG_ADMIN), connect_timeout=5) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            parts.append("PostgreSQL " + str(version[0] if version else "?").split()[0])
    except psycopg.Error:
        pass
    return ", ".join(parts)


def _row(run: Run) -> str:
    rate = run.rows / run.seconds if run.seconds else 0
    rss = f"{run.rss_mb:,.0f}" if run.rss_mb is not None else "—"
    if run.summary is not None:
        s = run.summary
        counts = f"{s.get('accepted', 0):>10,}{s.get('unchanged', 0):>11,}{s.get('rejected', 0):>10,}"
    else:
        counts = f"{'—':>10}{'—':>11}{'—':>10}"
    line = f"{run.label:<22}{run.rows:>11,}{run.seconds:>9.1f}{rate:>10,.0f}{rss:>13}{counts}"
    return line + (f"   FAILED: {run.error}" if run.error else "")


def main() -> None:
    """Generate, import on each backend, COPY, print the table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (files, SQLite database)")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    use_time = _gnu_time()
    rss_source = "GNU time -v" if use_time else "getrusage(RUSAGE_CHILDREN) in a wrapper"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{_versions()}; peak RSS from {rss_source}")

    folder = Path(tempfile.mkdtemp(prefix="xinyong_bench_import_"))
    try:
        dept = (department_code(), DEFAULT_DEPARTMENT[2])
        csv_path = folder / "xzcf_penalties_gbk.csv"
        start = time.perf_counter()
        size = write_penalties(csv_path, args.rows, dept[0], dept[1], seed=args.seed, encoding="gbk")
        generated = time.perf_counter() - start
        print(f"file: {args.rows:,} rows of 行政处罚 (xzcf, {len(HEADER)} columns), GBK, {size / 1e6:,.1f} MB, "
              f"generated in {generated:.1f} s ({args.rows / generated:,.0f} rows/s; "
              "not part of any rate below)",
              flush=True)

        runs: list[Run] = []
        for backend in backends:
            runs += run_backend(backend, csv_path, args.rows, dept, folder, use_time)
        copy_run = None
        if "postgresql" in backends:
            utf8_path = folder / "xzcf_penalties_utf8.csv"
            transcode(csv_path, utf8_path)
            copy_run = raw_copy(utf8_path, args.rows)
            if not args.keep:
                utf8_path.unlink()

        print(f"{'backend':<22}{'rows':>11}{'seconds':>9}{'rows/s':>10}{'peak RSS MB':>13}"
              f"{'accepted':>10}{'unchanged':>11}{'rejected':>10}")
        for run in runs:
            print(_row(run))
        if copy_run is not None:
            print(_row(copy_run))
        pg = next((r for r in runs if r.label == "postgresql" and not r.error), None)
        if pg is not None and copy_run is not None and not copy_run.error:
            ratio = (pg.rows / pg.seconds) / (copy_run.rows / copy_run.seconds)
            print(f"ratio xinyong PG / raw COPY: {ratio:.2f} (raw COPY is {1 / ratio:.1f}× faster)")
        for run in runs:
            if run.label in TARGETS and run.summary is not None:
                rate, target = run.rows / run.seconds, TARGETS[run.label]
                rss_ok = run.rss_mb is not None and run.rss_mb < RSS_LIMIT_MB
                again = next((r for r in runs if r.label == f"{run.label} re-import"), None)
                unchanged = again is not None and again.summary is not None \
                    and again.summary.get("unchanged") == run.rows
                print(f"target {run.label}: ≥{target:,} rows/s {'met' if rate >= target else 'MISSED'}, "
                      f"peak RSS < {RSS_LIMIT_MB} MB {'met' if rss_ok else 'MISSED'}; "
                      f"all rows accepted: {'yes' if run.summary.get('accepted') == run.rows else 'NO'}, "
                      f"all unchanged on re-import: {'yes' if unchanged else 'NO'}")
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
