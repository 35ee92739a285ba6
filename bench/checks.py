"""Benchmark: the check API (POST /api/v1/checks) under load, against a static JSON endpoint of the same server.

Run on demand:  .venv/bin/python bench/checks.py [--backend postgresql|sqlite] [--subjects 1000000]
                [--entries 100000] [--connections 64] [--duration 20] [--workers 2]
                [--database URL --key-file PATH]   (reuse a database filled by an earlier --keep run)
                [--keep]                           (leave the database and key file for a later run)

On a fresh database (a PostgreSQL database created here, or an SQLite file): `xinyong db upgrade`, the bulk
fill of bench/lists.py (N subjects, E list entries in every list kind and domain, E credit records; untimed),
`xinyong departments add` and `xinyong apikeys create --role business_system --department` for the caller,
then `xinyong serve --workers W` on loopback. The load generator (bench/loadgen.py) runs in its own
process, on the same cores as the server and PostgreSQL: first GET /api/v1/ping (constant JSON, no
database), then POST /api/v1/checks {"subject": {"code": …}, "matter": "政府采购"} on random codes, half of
them subjects with live list entries and half without, each for the same duration and connections.
Before the load the database is ANALYZEd (the caller's department is added after the fill; with statistics
that do not know it, PostgreSQL plans its department → subject join as a merge join over all 1M subjects).
Bars (issue 5): check ≥ 1,500 requests/s, p99 < 50 ms, and ≥ 30% of the static endpoint's requests/s.
Printed per endpoint: requests/s, latency percentiles, errors, the server's CPU time per answered request
and the cores used by the server, PostgreSQL and the load generator. Afterwards the credit_check rows are
counted: every answered check must be logged.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, text

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from lists import drop_database, fill, new_database  # bench/lists.py: bulk fill, bench databases

BAR_RPS, BAR_P99_MS, BAR_RATIO = 1_500.0, 50.0, 0.30
MATTER = "政府采购"
CALLER_DEPARTMENT = ("12350600MB0000001Q", "漳州市公共资源交易中心")
SAMPLE = 5_000  # codes of each kind the load generator picks from


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "xinyong.cli.main", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"xinyong {' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _clock_ticks()


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        found += kids
        frontier += kids
    return found


POSTGRES_SHARED = ("walwriter", "checkpointer", "background writer", "wal writer")


def _postgres_pids(database: str) -> list[int]:
    """Backends of the bench database and the server's WAL and checkpoint processes (not other databases')."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if (database and f" {database} " in title) or any(s in title for s in POSTGRES_SHARED):
                pids.append(int(entry.name))
    return pids


def _cpu_snapshot(server_pid: int, database: str) -> dict[str, dict[int, float]]:
    return {"server": {p: _proc_cpu(p) for p in [server_pid, *_descendants(server_pid)]},
            "postgres": {p: _proc_cpu(p) for p in _postgres_pids(database)}}


def _cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two snapshots by the processes alive at the second (new ones in full)."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


def _machine() -> str:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    return (f"{platform.machine()} {model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def prepare(backend: str, folder: Path, subjects: int, entries: int, seed: int) -> tuple[str, str | None]:
    """Fresh database with the bulk fill; returns its URL and the PostgreSQL database name to drop."""
    url, pg_name = new_database(backend, folder, "xinyong_bench_checks")
    env = _env(url, folder / "bench.key")
    _cli(["db", "upgrade"], env, folder)
    from xinyong.db import make_engine

    engine = make_engine(url)
    start = time.perf_counter()
    counts = fill(engine, subjects, entries, seed)
    engine.dispose()
    print(f"filled in {time.perf_counter() - start:.1f} s: {counts}", flush=True)
    return url, pg_name


def _env(url: str, key_file: Path) -> dict[str, str]:
    # JSON logs as in production: the console renderer pretty-prints every traceback with its locals.
    return {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(key_file),
            "XINYONG_LOG_LEVEL": "WARNING", "XINYONG_LOG_JSON": "true"}


def caller_key(env: dict[str, str], folder: Path) -> str:
    """A business-system API key bound to the caller's department (created through the CLI)."""
    uscc, name = CALLER_DEPARTMENT
    listed = _cli(["departments", "list"], env, folder)
    if uscc not in listed:
        _cli(["departments", "add", uscc, name], env, folder)
    out = _cli(["apikeys", "create", f"基准业务系统 {uuid.uuid4().hex[:6]}", "--role", "business_system",
                "--department", uscc], env, folder)
    found = re.search(r"xy_[A-Za-z0-9_\-]+", out)
    if not found:
        raise SystemExit(f"no API key in the output of xinyong apikeys create:\n{out}")
    return found.group(0)


def analyze(url: str) -> None:
    """Fresh planner statistics: the caller's department, added after the fill, would otherwise be outside them."""
    from xinyong.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()


def sample_codes(url: str, seed: int) -> tuple[list[str], list[str]]:
    """Codes of subjects with a live list entry today, and of subjects with no entry at all."""
    from xinyong.db import make_engine

    rng = random.Random(seed)
    engine = make_engine(url)
    with engine.connect() as conn:
        listed = [r[0] for r in conn.execute(text(
            "SELECT DISTINCT s.uscc FROM list_entry e JOIN subject s ON s.id = e.subject_id "
            "WHERE e.status = 'effective' AND e.valid_from <= :d AND e.valid_until >= :d AND s.uscc IS NOT NULL"),
            {"d": time.strftime("%Y-%m-%d")})]
        lo, hi = conn.execute(text("SELECT MIN(id), MAX(id) FROM subject WHERE kind = '法人及非法人组织' "
                                   "AND NOT is_agency")).one()
        ids = rng.sample(range(lo, hi + 1), min(hi - lo + 1, SAMPLE * 2))
        unlisted = [r[0] for r in conn.execute(text(
            "SELECT s.uscc FROM subject s WHERE s.id IN (" + ",".join(map(str, ids)) + ") AND s.uscc IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM list_entry e WHERE e.subject_id = s.id)"))]
    engine.dispose()
    rng.shuffle(listed)
    return listed[:SAMPLE], unlisted[:SAMPLE]


def _get(url: str, headers: dict[str, str] | None = None, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def start_server(env: dict[str, str], folder: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """`xinyong serve --workers W` on loopback, once /api/v1/ping answers."""
    server = subprocess.Popen([sys.executable, "-m", "xinyong.cli.main", "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", str(workers)], env=env, cwd=folder,
                              start_new_session=True,  # its own process group: the workers are stopped with it
                              stdout=subprocess.DEVNULL,
                              stderr=open(folder / "server.log", "wb"))  # noqa: SIM115 - open while it runs
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited ({server.returncode}): {(folder / 'server.log').read_text()[-2000:]}")
        try:
            if _get(f"http://127.0.0.1:{port}/api/v1/ping")[0] == 200:
                time.sleep(1.0)  # let every worker finish starting
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit("server did not answer /api/v1/ping within 90 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, SIGKILL to what is left after 20 s (stuck workers too)."""
    for sig, grace in ((signal.SIGTERM, 20.0), (signal.SIGKILL, None)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        try:
            server.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass


def load(url: str, connections: int, duration: float, warmup: float, server_pid: int, database: str,
         requests_file: Path | None = None, headers: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run bench/loadgen.py in its own process; add the CPU seconds each party used."""
    cmd = [sys.executable, str(BENCH / "loadgen.py"), "--url", url, "--connections", str(connections),
           "--duration", str(duration), "--warmup", str(warmup)]
    if requests_file:
        cmd += ["--requests", str(requests_file)]
    for h in headers:
        cmd += ["--header", h]
    before, children_before = _cpu_snapshot(server_pid, database), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    after, children_after = _cpu_snapshot(server_pid, database), resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    wall = duration + warmup
    result["wall"] = wall
    result["cpu_cores"] = {
        "server": round(_cpu_delta(before["server"], after["server"]) / wall, 2),
        "postgres": round(_cpu_delta(before["postgres"], after["postgres"]) / wall, 2),
        "loadgen": round((children_after.ru_utime + children_after.ru_stime
                          - children_before.ru_utime - children_before.ru_stime) / wall, 2),
    }
    return result


def _error_lines(log: Path, keep: int = 12) -> str:
    """The last lines of the server log that name an exception."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
    wanted = [line for line in lines if "Error" in line or "Exception" in line or "error" in line]
    return "\n".join(f"    {line[:300]}" for line in wanted[-keep:])


def count_checks(url: str) -> int:
    """Rows in the check log."""
    from xinyong.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM credit_check")).scalar() or 0
    engine.dispose()
    return n


def _line(name: str, r: dict[str, Any]) -> str:
    cpu = r["cpu_cores"]
    per_request = cpu["server"] * r["wall"] / max(1, r["answered_incl_warmup"])
    return (f"{name:<22}{r['rps']:>10,.0f}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}{r['p99_ms']:>9.2f}"
            f"{r['errors']:>8,}{per_request * 1e6:>10,.0f}   server {cpu['server']:.2f} + postgres "
            f"{cpu['postgres']:.2f} + loadgen {cpu['loadgen']:.2f} cores")


def parse_args(description: str) -> argparse.Namespace:
    """The options of the load benches (checks.py, profile.py); prints the machine and load line."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", help="reuse this filled database (URL) instead of building one")
    parser.add_argument("--key-file", help="key file of --database")
    parser.add_argument("--keep", action="store_true", help="keep the database and key file for later runs")
    args = parser.parse_args()
    if args.database and not args.key_file:
        raise SystemExit("--database needs --key-file")
    print(f"machine: {_machine()}, SQLite {sqlite3.sqlite_version}; load generator: bench/loadgen.py in a "
          f"separate process on the same cores; {args.connections} connections, {args.duration:.0f} s per "
          f"endpoint after {args.warmup:.0f} s warm-up; server: xinyong serve --workers {args.workers}", flush=True)
    return args


def bench_database(args: argparse.Namespace, folder: Path, keep: bool) -> tuple[str, Path, str | None]:
    """URL, key file and PostgreSQL name (None if reused or SQLite) of the filled database to load."""
    if args.database:
        return args.database, Path(args.key_file).resolve(), None
    print(f"building a fresh {args.backend} database: {args.subjects:,} subjects, {args.entries:,} list "
          f"entries, {args.entries:,} credit records …", flush=True)
    url, pg_name = prepare(args.backend, folder, args.subjects, args.entries, args.seed)
    key_file = folder / "bench.key"
    if keep:
        print(f"kept for later runs: --database {url} --key-file {key_file}", flush=True)
    return url, key_file, pg_name


def main() -> None:
    """Prepare, serve, load both endpoints, print the figures and the bars."""
    args = parse_args(__doc__)
    keep_dir = Path(tempfile.mkdtemp(prefix="xinyong_bench_checks_")) if args.keep else None
    with tempfile.TemporaryDirectory(prefix="xinyong_bench_checks_") as tmp:
        folder = keep_dir or Path(tmp)
        url, key_file, pg_name = bench_database(args, folder, keep_dir is not None)
        env = _env(url, key_file)
        server = None
        try:
            key = caller_key(env, folder)
            analyze(url)
            listed, unlisted = sample_codes(url, args.seed)
            print(f"codes: {len(listed):,} listed, {len(unlisted):,} unlisted", flush=True)
            spec = [{"method": "POST", "path": "/api/v1/checks", "body": {"subject": {"code": c}, "matter": MATTER}}
                    for c in listed + unlisted]
            requests_file = folder / "checks.json"
            requests_file.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
            port = _free_port()
            server = start_server(env, folder, port, args.workers)
            base = f"http://127.0.0.1:{port}"
            auth = f"Authorization: Bearer {key}"
            status, body = _get(f"{base}/api/v1/checks", {"Authorization": f"Bearer {key}"},
                                {"subject": {"code": listed[0]}, "matter": MATTER})
            print(f"probe: POST /api/v1/checks on a listed code → {status}, "
                  f"{len(body.get('entries', [])) if isinstance(body, dict) else '?'} entries, "
                  f"{len(body.get('measures', [])) if isinstance(body, dict) else '?'} measures", flush=True)
            if status >= 300:
                print(f"  answer: {json.dumps(body, ensure_ascii=False)[:500]}", flush=True)
            checks_before = count_checks(url)
            database = make_url(url).database if url.startswith("postgresql") else ""
            static = load(f"{base}/api/v1/ping", args.connections, args.duration, args.warmup, server.pid, database)
            check = load(f"{base}/api/v1/checks", args.connections, args.duration, args.warmup, server.pid,
                         database, requests_file, (auth,))
            logged = count_checks(url) - checks_before
            log_tail = _error_lines(folder / "server.log") if check["errors"] or static["errors"] else ""
        finally:
            if server is not None:
                stop_server(server)
            if not args.keep:
                drop_database(pg_name)
    ratio = check["rps"] / static["rps"] if static["rps"] else 0.0
    print(f"\n{'endpoint':<22}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{'server µs':>10}   CPU used (cores, averaged over warm-up + run)")
    print(_line("GET /api/v1/ping", static))
    print(_line("POST /api/v1/checks", check))
    for r in (static, check):
        if r["error_samples"]:
            print(f"  errors of {r['url']}: {r['statuses']} {r['error_samples']}")
    if log_tail:
        print(f"  server log, last errors:\n{log_tail}")
    print(f"credit_check rows written during the load: {logged:,}; checks answered 2xx (warm-up included): "
          f"{check['ok_incl_warmup']:,}")
    bars = [(f"check ≥ {BAR_RPS:,.0f} req/s", check["rps"] >= BAR_RPS, f"{check['rps']:,.0f}"),
            (f"check p99 < {BAR_P99_MS:.0f} ms", 0 < check["requests"] and check["p99_ms"] < BAR_P99_MS,
             f"{check['p99_ms']:.1f} ms"),
            (f"check ≥ {BAR_RATIO:.0%} of static", ratio >= BAR_RATIO, f"{ratio:.0%}"),
            ("no errors", check["errors"] == 0 and static["errors"] == 0, f"{check['errors'] + static['errors']}")]
    for name, ok, value in bars:
        print(f"  {name:<28}{value:>12}   {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
