"""Benchmark: batch screening (xinyong screen, POST /api/v1/screenings) for speed and name-matching quality.

Run on demand:  .venv/bin/python bench/screen.py [--subjects 300000] [--entries 100000] [--codes 1000000]
                [--names 100000] [--pairs 12000] [--backends sqlite,postgresql]

(c) Quality: bench/name_pairs.py makes labelled pairs (half positives: traditional characters, place prefix
    added/removed, bracketed city, 有限公司/有限责任公司, full-width, spaces; half negatives: one brand
    character changed, same brand in another city or district, another industry); precision and recall
    of names.score ≥ DEFAULT_THRESHOLD, by variant.
Per backend, on a fresh database (an SQLite file, or a PostgreSQL database created and dropped here):
`xinyong db upgrade`, then a bulk fill (untimed; executemany on SQLite, COPY on PostgreSQL) of N
organisations with realistic, distinct names (name_pairs.Generator) and E effective list entries on E
distinct subjects (2% suspended).
(a) service.screen over C codes (every listed code once, the rest unlisted valid codes, 1% malformed),
    cold (the process has not loaded the live entries yet: one query, then a hash join) and warm; then the
    CLI path on the same codes as a CSV file: read, screen, write the result CSV.
(b) service.screen over M names and no codes against the names of the E listed subjects: 25% variants of a
    listed name (must hit it), 15% near misses of a listed name (must not hit it), 60% names of unlisted
    subjects (no two generated subjects share brand + industry); cold (parsing the listed names, building
    the index) and warm; every hit is checked against the plan.
Bars (issue 5): (a) < 2 s, (b) < 60 s, (c) P and R ≥ 0.98.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).parent))
import name_pairs

from lists import drop_database, new_database

TODAY = dt.date(2026, 6, 15)
BATCH = 20_000


def uscc(serial: int) -> str:
    """A valid 统一社会信用代码 for a serial number."""
    from xinyong import codes

    body17 = f"91350602K{serial:08d}"
    return body17 + codes.uscc_check_char(body17)


def write(conn: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """Bulk rows: COPY on PostgreSQL, executemany on SQLite."""
    from xinyong.db import Base

    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        if conn.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(batch[0])}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(list(row.values()))
        else:
            conn.execute(insert(Base.metadata.tables[table]), batch)


def fill(engine: Any, names: list[str], entries: int, seed: int) -> None:
    """A department, the subjects and one live entry on each of the first `entries` subjects."""
    from xinyong.db import make_session_factory
    from xinyong.departments.service import add_department
    from xinyong.lists.models import ListType

    rng = random.Random(seed)
    with make_session_factory(engine)() as session:
        dept = add_department(session, uscc=uscc(99_999_999), name="漳州市市场监督管理局", actor="bench").id
        types = [t.id for t in session.scalars(select(ListType).where(ListType.kind != "红名单"))]
        first = (session.scalar(text("SELECT MAX(id) FROM subject")) or 0) + 1
        session.commit()
    now = dt.datetime.now(dt.UTC)
    subjects = [{"id": first + i, "kind": "法人及非法人组织", "name": n, "name_initials": "", "uscc": uscc(i),
                 "region_code": "350602", "is_agency": False, "created_at": now, "updated_at": now}
                for i, n in enumerate(names)]
    listed = [{"id": i + 1, "list_type_id": rng.choice(types), "subject_id": first + i, "department_id": dept,
               "status": "suspended" if rng.random() < 0.02 else "effective", "subject_name": names[i],
               "subject_code": uscc(i), "facts": "基准", "basis": "基准", "fingerprint": f"{i:032x}",
               "recognised_on": TODAY - dt.timedelta(days=30), "valid_from": TODAY - dt.timedelta(days=30),
               "valid_until": TODAY + dt.timedelta(days=300), "effective_at": now, "created_by": "bench",
               "created_at": now, "updated_at": now} for i in range(entries)]
    with engine.begin() as conn:
        write(conn, "subject", subjects)
        write(conn, "list_entry", listed)
        if conn.dialect.name == "postgresql":
            for table in ("subject", "list_entry"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def realistic_names(gen: name_pairs.Generator, count: int) -> list[name_pairs.Name]:
    """Generated company names, each with its own brand + industry (so no two are the same company)."""
    seen: dict[tuple[str, str], name_pairs.Name] = {}
    while len(seen) < count:
        n = gen.name()
        seen.setdefault((n.brand, n.industry), n)
    return list(seen.values())


def name_queries(gen: name_pairs.Generator, names: list[name_pairs.Name], listed: int, count: int
                 ) -> tuple[list[str], list[int | None], list[str]]:
    """(names, listed index each must hit or None, plan): variants, near misses (never another listed company), unlisted."""
    taken = {(n.brand, n.industry) for n in names[:listed]}
    out, truth, plan = [], [], []
    near = (gen.brand_changed, gen.other_city, gen.other_industry)
    while len(out) < count:
        r = gen.rng.random()
        i = gen.rng.randrange(listed)
        n = names[i]
        if r < 0.25:
            text = n.text()
            for _, apply in gen.rng.sample(gen.positives(), gen.rng.choice((1, 2))):
                text = apply(n, text)
            out.append(text)
            truth.append(i)
            plan.append("variant")
            continue
        if r < 0.40:
            if n.style == "none":  # the same brand elsewhere is a near miss only of a name that has a place
                continue
            other = gen.rng.choice(near)(n)
            if (other.brand, other.industry) != (n.brand, n.industry) and (other.brand, other.industry) in taken:
                continue  # that would be another listed company
            out.append(other.text())
            plan.append("near")
        else:
            out.append(names[gen.rng.randrange(listed, len(names))].text())
            plan.append("other")
        truth.append(None)
    return out, truth, plan


def code_rows(entries: int, subjects: int, count: int, rng: random.Random) -> pl.DataFrame:
    """Every listed code once, unlisted valid codes, 1% malformed; shuffled."""
    bad = count // 100
    listed = [uscc(i) for i in range(min(entries, count - bad))]
    unlisted = [uscc(subjects + i) for i in range(count - bad - len(listed))]
    broken = [uscc(10_000_000 + i)[:-1] + "Z" for i in range(bad)]
    codes = listed + unlisted + broken
    rng.shuffle(codes)
    return pl.DataFrame({"row": None, "code": codes, "name": None},
                        schema={"row": pl.String, "code": pl.String, "name": pl.String})


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run_backend(backend: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Fresh database, fill, then the timed screenings; returns the figures."""
    from xinyong.db import make_engine, make_session_factory
    from xinyong.measures.service import active_measures
    from xinyong.screening import io, service

    figures: dict[str, Any] = {}
    url, pg_name = new_database(backend, folder)
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(folder / f"{backend}.key")}
    engine = None
    try:
        subprocess.run([sys.executable, "-m", "xinyong.cli.main", "db", "upgrade"], env=env, cwd=folder, check=True,
                       stdout=subprocess.DEVNULL)
        engine = make_engine(url)
        gen = name_pairs.Generator(args.seed)
        listed = realistic_names(gen, args.subjects)
        figures["fill"], _ = timed(lambda: fill(engine, [n.text() for n in listed], args.entries, args.seed))
        rows = service.with_positions(code_rows(args.entries, args.subjects, args.codes, random.Random(args.seed)))
        service._CACHE.clear()
        with make_session_factory(engine)() as session:
            measures = active_measures(session)
            for label in ("codes cold", "codes warm"):
                figures[label], result = timed(lambda: service.screen(session, rows, measures=measures, today=TODAY))
            figures["codes summary"] = result.summary()
            source, out = folder / f"{backend}-codes.csv", folder / f"{backend}-out.csv"
            rows.select(统一社会信用代码="code").write_csv(source)

            def cli_path() -> int:
                found = service.screen(session, io.read_rows(source), measures=measures, today=TODAY)
                return io.write_output(found, out)
            figures["codes file"], figures["codes file lines"] = timed(cli_path)
            queries, truth, plan = name_queries(gen, listed, args.entries, args.names)
            frame = service.with_positions(pl.DataFrame({"row": None, "code": None, "name": queries},
                                                        schema={"row": pl.String, "code": pl.String, "name": pl.String}))
            service._CACHE.clear()
            for label in ("names cold", "names warm"):
                figures[label], result = timed(lambda: service.screen(session, frame, measures=measures, today=TODAY))
            figures["names low"], low = timed(lambda: service.screen(session, frame, measures=measures, today=TODAY,
                                                                      threshold=args.low_threshold))
            figures["names low matches"] = low.matches.height
        hits: dict[int, set[int]] = {}
        for idx, entry_id in result.matches.select("idx", "entry_id").iter_rows():
            hits.setdefault(idx, set()).add(entry_id - 1)  # entry ids are listed positions + 1
        counts: Counter[str] = Counter()
        for idx, (want, kind) in enumerate(zip(truth, plan, strict=True)):
            got = hits.get(idx, set())
            counts[f"{kind} rows"] += 1
            counts["variant found"] += want in got
            counts[f"{kind} wrong hits"] += len(got - {want})
        figures["names check"] = dict(counts)
        figures["names summary"] = result.summary()
    except Exception as exc:  # noqa: BLE001 - report and go on with the next backend
        figures["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
    finally:
        if engine is not None:
            engine.dispose()
        drop_database(pg_name)
    return figures


def quality(pairs: int, seed: int) -> tuple[float, float, float, dict[str, tuple[int, int]]]:
    """(precision, recall, seconds, per variant: (right, total)) on generated labelled pairs."""
    from xinyong.screening import names

    labelled = name_pairs.generate(pairs, seed)
    start = time.perf_counter()
    tp = fp = fn = 0
    by_kind: dict[str, list[int]] = {}
    for p in labelled:
        hit = names.score(p.a, p.b).score >= names.DEFAULT_THRESHOLD
        tp, fp, fn = tp + (hit and p.label == 1), fp + (hit and p.label == 0), fn + (not hit and p.label == 1)
        right = by_kind.setdefault(("+" if p.label else "-") + p.kind.split("+")[0], [0, 0])
        right[0] += hit == (p.label == 1)
        right[1] += 1
    seconds = time.perf_counter() - start
    return tp / max(1, tp + fp), tp / max(1, tp + fn), seconds, {k: (v[0], v[1]) for k, v in sorted(by_kind.items())}


def run(args: argparse.Namespace) -> int:
    """Print the figures; exit status 1 when a bar is missed."""
    from xinyong.screening.names import DEFAULT_THRESHOLD

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or platform.system()}, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, polars {pl.__version__}", flush=True)
    precision, recall, seconds, by_kind = quality(args.pairs, args.seed)
    print(f"(c) {args.pairs:,} labelled pairs at threshold {DEFAULT_THRESHOLD}: precision {precision:.4f}, "
          f"recall {recall:.4f} ({seconds:.1f} s)", flush=True)
    for kind, (right, total) in by_kind.items():
        print(f"    {kind:<10} {right:>6,}/{total:<6,} right", flush=True)
    missed = precision < 0.98 or recall < 0.98
    results = {}
    with tempfile.TemporaryDirectory(prefix="xinyong_bench_screen_") as tmp:
        for backend in (b.strip() for b in args.backends.split(",") if b.strip()):
            results[backend] = r = run_backend(backend, args, Path(tmp))
            print(f"{backend}: {r}", flush=True)
    print(f"\n{args.subjects:,} subjects, {args.entries:,} live entries; {args.codes:,} codes; "
          f"{args.names:,} names vs {args.entries:,} listed names")
    print(f"{'measure':<44}" + "".join(f"{b:>14}" for b in results) + "   bar")
    lines = (("(a) codes, cold (load live entries + join)", "codes cold", "< 2 s"),
             ("(a) codes, warm", "codes warm", "< 2 s"),
             ("(a) codes from CSV file → result CSV", "codes file", ""),
             ("(b) names, cold (parse + index listed)", "names cold", "< 60 s"),
             ("(b) names, warm", "names warm", "< 60 s"),
             (f"(b) names, warm, threshold {args.low_threshold} (near cores too)", "names low", ""))
    for label, key, bar in lines:
        cells = "".join(f"{r[key]:>12.2f} s" if key in r else f"{'FAILED':>14}" for r in results.values())
        print(f"{label:<44}{cells}   {bar}")
    for backend, r in results.items():
        if "error" in r:
            print(f"{backend}: FAILED {r['error']}")
            missed = True
            continue
        check = r["names check"]
        print(f"{backend}: codes {r['codes summary']}; names {r['names summary']}; planted variants found "
              f"{check.get('variant found', 0):,}/{check.get('variant rows', 0):,}; wrong hits: "
              f"{check.get('variant wrong hits', 0):,} of variants, {check.get('near wrong hits', 0):,} of "
              f"{check.get('near rows', 0):,} near misses, {check.get('other wrong hits', 0):,} of "
              f"{check.get('other rows', 0):,} unlisted names")
        missed |= r["codes cold"] >= 2 or r["names cold"] >= 60
    print(f"(c) precision {precision:.4f}, recall {recall:.4f} (bar ≥ 0.98) — {'MISSED' if missed else 'all bars met'}")
    return 1 if missed else 0


def main() -> None:
    """Quality on labelled pairs, then per backend: fill, codes, names; print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=300_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=12_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--low-threshold", type=float, default=0.6, help="also time (b) at this threshold")
    args = parser.parse_args()
    raise SystemExit(run(args))


if __name__ == "__main__":
    main()
