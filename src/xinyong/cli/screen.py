"""xinyong screen: screen a file of subjects (codes and/or names) against the lists."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from xinyong.audit.service import record_event
from xinyong.cli.common import CLI_ACTOR, console, err_console, handle_errors, keyring_for, session_scope
from xinyong.errors import InvalidInput
from xinyong.measures.definitions import Matter
from xinyong.measures.service import active_measures
from xinyong.screening import io, service
from xinyong.screening.names import DEFAULT_THRESHOLD

PROGRESS_FROM_ROWS = 5_000  # smaller files finish before a bar would be worth showing


def _matter(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return Matter(value.strip()).value
    except ValueError:
        raise InvalidInput(f"未知的办理事项“{value}”，应为：{'、'.join(m.value for m in Matter)}") from None


def _today(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期“{value}”格式错误，应为 YYYY-MM-DD") from None


@handle_errors
def screen(
    path: Annotated[Path, typer.Argument(help="CSV（UTF-8 或 GBK）或 Excel 文件，含“统一社会信用代码”和/或“名称”列",
                                         exists=True, dir_okay=False)],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="结果 CSV（默认：原文件名_筛查结果.csv）")] = None,
    matter: Annotated[str | None, typer.Option("--matter", help="办理事项，如 政府采购；不填则列出全部适用措施")] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="名称匹配阈值（0–1）")] = DEFAULT_THRESHOLD,
    today: Annotated[str | None, typer.Option("--today", help="按哪一天的有效名单筛查（YYYY-MM-DD，默认今天）")] = None,
) -> None:
    """按统一社会信用代码（精确）和名称（理解繁简、地名、法律形式）筛查文件中的主体是否在名单中。"""
    started = time.perf_counter()
    chosen, day = _matter(matter), _today(today)
    out = output or path.with_name(f"{path.stem}_筛查结果.csv")
    with session_scope() as session:
        keyring = keyring_for(session)
        rows = io.read_rows(path)
        columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
                   TimeElapsedColumn())
        with Progress(*columns, console=err_console, transient=True,
                      disable=rows.height < PROGRESS_FROM_ROWS) as bar:
            tasks: dict[str, TaskID] = {}

            def step(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=max(total, 1))
                if stage == "名称比对":
                    bar.advance(tasks[stage], done)
                else:
                    bar.update(tasks[stage], completed=done)

            result = service.screen(session, rows, measures=active_measures(session), matter=chosen,
                                    threshold=threshold, today=day, keyring=keyring, progress=step)
            writing = bar.add_task("写出结果", total=rows.height)
            lines = io.write_output(result, out)
            bar.update(writing, completed=rows.height)
        summary = result.summary()
        record_event(session, actor=CLI_ACTOR, action="screening.run", entity_type="screening", entity_id=path.name,
                     detail={**summary, "matter": chosen, "threshold": threshold, "today": day.isoformat()})
    console.print(
        f"筛查 {summary['rows']:,} 行：命中 {summary['hit']:,} 行（按代码 {summary['by_code']:,}，"
        f"按名称 {summary['by_name']:,}），未命中 {summary['miss']:,} 行，错误 {summary['errors']:,} 行；"
        f"结果 {lines:,} 行已写入 {out}，用时 {time.perf_counter() - started:.1f} 秒")
