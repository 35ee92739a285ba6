"""Benchmark: demo data generation rate (subjects/s) on SQLite and PostgreSQL.

Run on demand:  .venv/bin/python bench/demo_rate.py [--subjects 100000] [--backends sqlite,postgresql]
Prints one line per backend; the README table carries the latest figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

PG_ADMIN = os.environ.get("XINYONG_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "xinyong.cli.main", *args], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)


def run(backend: str, subjects: int) -> float:
    """Seconds to generate the demo on a fresh database of the backend (excluding db upgrade)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pg_name = None
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'bench.db'}"
        else:
            pg_name = f"xinyong_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"
        env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(folder / "k.key")}
        try:
            _cli(["db", "upgrade"], env, folder)
            start = time.perf_counter()
            _cli(["demo", "--subjects", str(subjects)], env, folder)
            return time.perf_counter() - start
        finally:
            if pg_name:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def main() -> None:
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'backend':<12}{'subjects':>12}{'seconds':>10}{'subjects/s':>14}")
    for backend in args.backends.split(","):
        seconds = run(backend, args.subjects)
        print(f"{backend:<12}{args.subjects:>12,}{seconds:>10.1f}{args.subjects / seconds:>14,.0f}")


if __name__ == "__main__":
    main()
