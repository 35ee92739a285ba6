"""Benchmark: the subject profile API (GET /api/v1/subjects/{code}) under load, against a static endpoint.

Run on demand:  .venv/bin/python bench/profile.py [--backend postgresql|sqlite] [--subjects 1000000]
                [--entries 100000] [--connections 64] [--duration 20] [--workers 2]
                [--database URL --key-file PATH] [--keep]

The same set-up as bench/checks.py, whose functions this script reuses: a fresh database with the bulk fill
of bench/lists.py (N subjects, E list entries in every kind, E credit records), ANALYZE, `xinyong serve
--workers W` on loopback, and bench/loadgen.py in its own process on the same cores. First GET /api/v1/ping
(constant JSON, no database), then GET /api/v1/subjects/{code} on random codes, half of them subjects with
live list entries and half without, for the same duration and connections. The profile is public: no API
key is sent (business systems would send one; it is cached per process for 5 s). Each profile answer reads the
subject with its legal representative, its records in display and its live list entries.
Bars (issue 7): profile ≥ 1,500 requests/s, p99 < 50 ms, and ≥ 30% of the static endpoint's requests/s.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from sqlalchemy import make_url

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from checks import (
    BAR_P99_MS,
    BAR_RATIO,
    BAR_RPS,
    _env,
    _error_lines,
    _free_port,
    _get,
    _line,
    analyze,
    bench_database,
    load,
    parse_args,
    sample_codes,
    start_server,
    stop_server,
)

from lists import drop_database


def main() -> None:
    """Prepare, serve, load both endpoints, print the figures and the bars."""
    args = parse_args(__doc__)
    keep_dir = Path(tempfile.mkdtemp(prefix="xinyong_bench_profile_")) if args.keep else None
    with tempfile.TemporaryDirectory(prefix="xinyong_bench_profile_") as tmp:
        folder = keep_dir or Path(tmp)
        url, key_file, pg_name = bench_database(args, folder, keep_dir is not None)
        env = _env(url, key_file)
        server = None
        try:
            analyze(url)
            listed, unlisted = sample_codes(url, args.seed)
            print(f"codes: {len(listed):,} listed, {len(unlisted):,} unlisted", flush=True)
            spec = [{"method": "GET", "path": f"/api/v1/subjects/{c}", "body": None} for c in listed + unlisted]
            requests_file = folder / "profiles.json"
            requests_file.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
            port = _free_port()
            server = start_server(env, folder, port, args.workers)
            base = f"http://127.0.0.1:{port}"
            status, body = _get(f"{base}/api/v1/subjects/{listed[0]}")
            print(f"probe: GET /api/v1/subjects/{{listed code}} → {status}, "
                  f"{len(body.get('lists', [])) if isinstance(body, dict) else '?'} list entries, "
                  f"{len(body.get('records', [])) if isinstance(body, dict) else '?'} records", flush=True)
            if status >= 300:
                print(f"  answer: {json.dumps(body, ensure_ascii=False)[:500]}", flush=True)
            database = make_url(url).database if url.startswith("postgresql") else ""
            static = load(f"{base}/api/v1/ping", args.connections, args.duration, args.warmup, server.pid, database)
            profile = load(f"{base}/api/v1/subjects", args.connections, args.duration, args.warmup, server.pid,
                           database, requests_file)
            log_tail = _error_lines(folder / "server.log") if profile["errors"] or static["errors"] else ""
        finally:
            if server is not None:
                stop_server(server)
            if not args.keep:
                drop_database(pg_name)
    ratio = profile["rps"] / static["rps"] if static["rps"] else 0.0
    print(f"\n{'endpoint':<22}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{'server µs':>10}   CPU used (cores, averaged over warm-up + run)")
    print(_line("GET /api/v1/ping", static))
    print(_line("GET /api/v1/subjects/…", profile))
    for r in (static, profile):
        if r["error_samples"]:
            print(f"  errors of {r['url']}: {r['statuses']} {r['error_samples']}")
    if log_tail:
        print(f"  server log, last errors:\n{log_tail}")
    bars = [(f"profile ≥ {BAR_RPS:,.0f} req/s", profile["rps"] >= BAR_RPS, f"{profile['rps']:,.0f}"),
            (f"profile p99 < {BAR_P99_MS:.0f} ms", 0 < profile["requests"] and profile["p99_ms"] < BAR_P99_MS,
             f"{profile['p99_ms']:.1f} ms"),
            (f"profile ≥ {BAR_RATIO:.0%} of static", ratio >= BAR_RATIO, f"{ratio:.0%}"),
            ("no errors", profile["errors"] == 0 and static["errors"] == 0, f"{profile['errors'] + static['errors']}")]
    for name, ok, value in bars:
        print(f"  {name:<28}{value:>12}   {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
