"""xinyong calendar: statutory holidays for working-day deadlines."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Annotated

import typer

from xinyong import calendar
from xinyong.cli.common import console, handle_errors, settings
from xinyong.errors import Conflict, InvalidInput

app = typer.Typer(help="法定节假日与工作日", no_args_is_help=True)


@app.command("load")
@handle_errors
def load(
    path: Annotated[Path, typer.Argument(help="节假日安排文件（YAML），格式见 data/holidays/2027.example.yaml",
                                         exists=True, dir_okay=False, readable=True)],
    replace: Annotated[bool, typer.Option("--replace", help="替换该年度已导入的文件")] = False,
) -> None:
    """校验并导入某一年度的节假日安排文件。"""
    year = calendar.load_holiday_file(path)
    target_dir = settings().holiday_dir
    target = target_dir / f"{year.year}.yaml"
    if target.exists() and not replace:
        raise Conflict(f"{year.year} 年的节假日安排已导入({target})；如需替换请使用 --replace")
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    calendar.reset_default_calendar()
    console.print(f"已导入 {year.year} 年节假日安排：放假 {len(year.holidays)} 天，调休上班 {len(year.workdays)} 天 → {target}")


@app.command("add")
@handle_errors
def add(
    start: Annotated[str, typer.Argument(help="起算日期 YYYY-MM-DD")],
    days: Annotated[int, typer.Argument(help="工作日数")],
) -> None:
    """计算某日之后第 N 个工作日。"""
    try:
        day = dt.date.fromisoformat(start)
    except ValueError as exc:
        raise InvalidInput(f"日期格式应为 YYYY-MM-DD，实为“{start}”") from exc
    result = calendar.get_default_calendar().add_working_days(day, days)
    console.print(f"{day.isoformat()} 之后第 {days} 个工作日：{result.isoformat()}")
