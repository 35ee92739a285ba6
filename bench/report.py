"""Benchmark: one credit report PDF for a subject with 200 public records (issue 7: under 1 s).

Run on demand:  .venv/bin/python bench/report.py [--records 200] [--runs 5]

On a fresh SQLite file: `xinyong db upgrade`, then (untimed) a department and one company with half
行政许可 and half 行政处罚 records imported through the collection pipeline, all on public display. Timed:
reports.service.issue_report — gather the sections, lay out and subset-embed the font, hash, store —
first in a fresh process state (font file parsed for the first time) and then `--runs` more times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="xinyong-bench-report-"))
    os.environ["XINYONG_DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    os.environ["XINYONG_KEY_FILE"] = str(folder / "bench.key")
    subprocess.run([sys.executable, "-m", "xinyong.cli.main", "db", "upgrade"], check=True, capture_output=True)

    from pypdf import PdfReader
    from tests.factories import make_uscc
    from tests.records import builders

    from xinyong.config import get_settings
    from xinyong.db import make_engine, make_session_factory
    from xinyong.reports import service
    from xinyong.subjects.repository import get_by_uscc
    from xinyong.system.service import load_keyring

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    name, code = "漳州市鑫达百条记录测试有限公司", make_uscc()
    today = dt.date.today()
    with factory() as session:
        keyring = load_keyring(session, settings)
        dept = builders.department(session)
        half = args.records // 2
        days = [today - dt.timedelta(days=1 + i % 150) for i in range(args.records)]
        builders.submit(session, keyring, dept, [
            builders.penalty(dept, name=name, uscc=code, decided=days[i], CF_NR=f"罚款人民币{i + 1}千元，责令改正违法行为")
            for i in range(half)])
        builders.submit(session, keyring, dept, [builders.licence(dept, name=name, uscc=code, decided=days[i])
                                                 for i in range(half, args.records)], catalog="xzxk")
        session.commit()
        subject = get_by_uscc(session, code)
        times, cpu, sizes, pages = [], [], [], 0
        for _ in range(args.runs + 1):
            start, start_cpu = time.perf_counter(), time.process_time()
            issued = service.issue_report(session, settings, subject, issued_by="bench", channel="cli")
            session.commit()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            sizes.append(len(issued.pdf))
            pages = len(PdfReader(io.BytesIO(issued.pdf)).pages)
        shown = sum(1 for r in subject_records(session, subject.id, today))
    first, rest = times[0], times[1:]
    print(f"subject with {shown} public records on display ({args.records} imported), SQLite")
    print(f"first report (font metrics parsed cold): {first:.3f} s wall, {cpu[0]:.3f} s CPU")
    if rest:
        print(f"next {len(rest)} reports: median {statistics.median(rest):.3f} s wall (max {max(rest):.3f}), "
              f"median {statistics.median(cpu[1:]):.3f} s CPU")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time suffers when the machine is busy)")
    print(f"PDF {sizes[-1]:,} bytes, {pages} pages; bar < 1 s: {'met' if max(times) < 1 else 'NOT met'} (all runs)")


def subject_records(session, subject_id: int, today: dt.date):
    """Records the report lists: the public ones on display today."""
    from xinyong.records import repository

    return repository.public_for_subject(session, subject_id, today, limit=10_000)


if __name__ == "__main__":
    main()
