"""xinyong catalog: the information catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xinyong.catalog import repository, service
from xinyong.cli.common import CLI_ACTOR, console, handle_errors, session_scope

app = typer.Typer(help="信用信息目录", no_args_is_help=True)


@app.command("load")
@handle_errors
def load(
    path: Annotated[Path, typer.Argument(help="目录定义文件（YAML）", exists=True, dir_okay=False, readable=True)],
    replace: Annotated[bool, typer.Option("--replace", help="替换同编码的已有类型")] = False,
) -> None:
    """载入或替换一个目录类型定义。"""
    with session_scope() as session:
        changed = service.load_file(session, path, replace=replace, actor=CLI_ACTOR)
    console.print(f"已载入：{', '.join(changed)}" if changed else "内容未变化，无需更新。")


@app.command("list")
@handle_errors
def list_() -> None:
    """列出目录中的所有类型。"""
    with session_scope() as session:
        table = Table("编码", "名称", "版本", "公开属性", "失信", "字段数", "来源")
        for rt in repository.list_all(session):
            table.add_row(rt.code, rt.name, rt.version, rt.openness, "是" if rt.adverse else "否",
                          str(len(rt.fields)), rt.source)
        console.print(table)
