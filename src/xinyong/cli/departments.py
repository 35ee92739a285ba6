"""xinyong departments: register reporting departments."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import CLI_ACTOR, console, handle_errors, session_scope
from xinyong.departments import repository, service

app = typer.Typer(help="部门管理", no_args_is_help=True)


@app.command("add")
@handle_errors
def add(
    uscc: Annotated[str, typer.Argument(help="部门统一社会信用代码")],
    name: Annotated[str, typer.Argument(help="部门名称")],
    region: Annotated[str | None, typer.Option("--region", help="行政区划代码（6位），默认取自信用代码")] = None,
) -> None:
    """登记一个报送部门。"""
    with session_scope() as session:
        department = service.add_department(session, uscc=uscc, name=name, region_code=region, actor=CLI_ACTOR)
        console.print(f"已登记部门：{department.name}({department.uscc})")


@app.command("list")
@handle_errors
def list_() -> None:
    """列出所有部门。"""
    with session_scope() as session:
        table = Table("统一社会信用代码", "部门名称", "行政区划")
        for d in repository.list_all(session):
            table.add_row(d.uscc, d.name, d.region_code or "")
        console.print(table)
