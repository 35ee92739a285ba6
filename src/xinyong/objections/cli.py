"""xinyong objections: the open and overdue objections, for the credit office's follow-up (督办)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import console, handle_errors, session_scope
from xinyong.errors import InvalidInput
from xinyong.objections import repository, views

app = typer.Typer(help="信用信息异议", no_args_is_help=True)


def _day(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"日期格式应为 YYYY-MM-DD，实为“{text}”") from exc


@app.command("overdue")
@handle_errors
def overdue(today: Annotated[str | None, typer.Option("--today", help="按该日（YYYY-MM-DD）判断是否超期")] = None) -> None:
    """列出超过受理或处理期限仍未办结的异议（按期限排序）；没有时退出码为 0 并说明。"""
    day = _day(today)
    with session_scope() as session:
        rows = views.queue_rows(session, list(repository.overdue(session, day)), day)
        if not rows:
            console.print(f"截至 {day}，没有超期未办结的异议。", highlight=False)
            return
        table = Table(title=f"超期未办结的异议（截至 {day}，共 {len(rows)} 件）")
        for heading in ("查询码", "异议对象", "承办部门", "状态", "提交日期", "受理期限", "处理期限"):
            table.add_column(heading, overflow="fold")
        for r in rows:
            table.add_row(r.tracking_code, r.target, r.department, r.status_label, str(r.submitted_on),
                          str(r.accept_due_on), str(r.decide_due_on) + ("（已延期）" if r.extended else ""))
        console.print(table)
