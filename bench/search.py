"""Benchmark: public search latency over many subjects (name, pinyin initials, code, 决定文书号).

Run on demand:  .venv/bin/python bench/search.py [--subjects 1000000] [--backends sqlite,postgresql]
                [--queries 300] [--seed 1]

Per backend, on a fresh database (an SQLite file, or a PostgreSQL database created and dropped here):
`xinyong db upgrade`, then `xinyong demo --subjects N` (timed: realistic Chinese names, and the search
table filled in bulk as the demo writes its subjects; licences and penalties through the collection
pipeline, which fills the 决定文书号 terms), ANALYZE, then the search service (xinyong.subjects.search,
the function behind GET /api/v1/search and /search) is called in-process, one query at a time, for
random organisations of the data set. Timed per call: the whole search, from the typed query to the
page of 20 ranked subjects with their list badges. Kinds: full name, a 2–4 character fragment from the
middle of the name, the first 6 pinyin initials, the exact code, the first 10 characters of a code, a
决定文书号, and the worst case, a city name that matches a quarter of the registry (capped at 500).
Bar (issue 7): p95 < 50 ms for name, pinyin-initials and code searches. HTTP overhead is not included
(bench/profile.py measures the server path); the public search is rate-limited per IP in production.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from lists import drop_database, new_database

BAR_P95_MS = 50.0
BARRED = ("full name", "name fragment", "pinyin initials", "exact code", "code prefix")


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "xinyong.cli.main", *args], env=env, cwd=cwd, check=True,
                          capture_output=True, text=True)
    return done.stdout


def _sample(conn: object, rng: random.Random, n: int) -> dict[str, list[str]]:
    """Queries of each kind drawn from random organisations and records."""
    lo, hi = conn.execute(text("SELECT MIN(id), MAX(id) FROM subject WHERE uscc IS NOT NULL")).one()
    ids = rng.sample(range(lo, hi + 1), min(hi - lo + 1, n * 3))
    rows = conn.execute(text("SELECT name, name_initials, uscc FROM subject WHERE uscc IS NOT NULL AND "
                             "kind <> '政府机构' AND id IN (" + ",".join(map(str, ids)) + ")")).all()[:n]
    numbers = [r[0] for r in conn.execute(text(
        "SELECT document_number FROM credit_record r JOIN subject s ON s.id = r.subject_id "
        "WHERE s.uscc IS NOT NULL ORDER BY r.id LIMIT :n"), {"n": n * 5})]
    rng.shuffle(numbers)

    def fragment(name: str) -> str:
        core = name[3:-4] if len(name) > 9 else name  # without city and legal form
        width = rng.randint(2, min(4, max(2, len(core))))
        start = rng.randint(0, max(0, len(core) - width))
        return core[start:start + width]

    return {
        "full name": [r[0] for r in rows],
        "name fragment": [fragment(r[0]) for r in rows],
        "pinyin initials": [r[1][:6] for r in rows],
        "exact code": [r[2] for r in rows],
        "code prefix": [r[2][:10] for r in rows],
        "决定文书号": numbers[:n],
        "city (worst case)": [rng.choice(("漳州市", "鄂州市", "常州市", "济宁市")) for _ in range(max(1, n // 5))],
    }


def _time(call: Callable[[str], int], queries: list[str]) -> tuple[list[float], float]:
    """Latencies in ms of each query, and the mean hits per query."""
    times, hits = [], 0
    for q in queries:
        start = time.perf_counter()
        hits += call(q)
        times.append((time.perf_counter() - start) * 1000)
    return times, hits / max(1, len(queries))


def run_backend(backend: str, subjects: int, n: int, seed: int, folder: Path) -> None:
    """Fresh database, demo, then the timed searches; prints one table."""
    from xinyong.config import Settings
    from xinyong.db import make_engine, make_session_factory
    from xinyong.subjects import search
    from xinyong.system.service import load_keyring

    url, pg_name = new_database(backend, folder, "xinyong_bench_search")
    key_file = folder / f"{backend}.key"
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(key_file), "XINYONG_LOG_LEVEL": "WARNING"}
    engine = None
    try:
        _cli(["db", "upgrade"], env, folder)
        start = time.perf_counter()
        _cli(["demo", "--subjects", str(subjects), "--seed", str(seed)], env, folder)
        demo_s = time.perf_counter() - start
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
            terms = conn.execute(text("SELECT COUNT(*) FROM subject_search_term")).scalar()
            queries = _sample(conn, random.Random(seed), n)
        print(f"\n[{backend}] demo of {subjects:,} subjects in {demo_s:.1f} s ({subjects / demo_s:,.0f} subjects/s, "
              f"search table filled on the way: {terms:,} terms)", flush=True)
        settings = Settings(database_url=url, key_file=key_file)
        with make_session_factory(engine)() as session:
            keyring = load_keyring(session, settings)

            def call(q: str) -> int:
                return len(search.search(session, keyring, q).hits)

            call(queries["full name"][0])  # warm the connection and the caches of the first statement
            print(f"{'query kind':<20}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'hits/query':>12}   bar")
            for kind, items in queries.items():
                times, hits = _time(call, items)
                p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
                verdict = ("met" if p95 < BAR_P95_MS else "MISSED") if kind in BARRED else "—"
                print(f"{kind:<20}{len(times):>6}{statistics.median(times):>9.2f}{p95:>9.2f}{max(times):>9.2f}"
                      f"{hits:>12.1f}   {verdict}", flush=True)
    finally:
        if engine is not None:
            engine.dispose()
        drop_database(pg_name)


def main() -> None:
    """Each backend in turn."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--queries", type=int, default=300, help="queries of each kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}; bar: p95 < {BAR_P95_MS:.0f} ms (name, initials, code)", flush=True)
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="xinyong_bench_search_") as tmp:
            run_backend(backend.strip(), args.subjects, args.queries, args.seed, Path(tmp))


if __name__ == "__main__":
    main()
