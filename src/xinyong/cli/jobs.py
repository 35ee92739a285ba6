"""xinyong jobs: idempotent periodic work (cron-friendly)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from xinyong.cli.common import console, handle_errors, session_scope
from xinyong.errors import InvalidInput
from xinyong.records.tasks import expire_publications

app = typer.Typer(help="定时任务", no_args_is_help=True)


@app.command("run")
@handle_errors
def run(today: Annotated[str | None, typer.Option("--today", help="按指定日期运行（YYYY-MM-DD），默认今天")] = None) -> None:
    """运行所有到期任务：公示期满下线等。可重复运行，结果不变。"""
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError as exc:
        raise InvalidInput(f"日期格式应为 YYYY-MM-DD，实为“{today}”") from exc
    with session_scope() as session:
        expired = expire_publications(session, day)
    console.print(f"{day.isoformat()}：公示期满下线 {expired:,} 条。")
