"""xinyong lists: list types (名单类型) and which departments may recognise them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import CLI_ACTOR, console, handle_errors, session_scope
from xinyong.departments.service import get_department
from xinyong.lists import publication, repository, service
from xinyong.lists.definitions import load_list_types

app = typer.Typer(help="信用名单类型与认定部门授权", no_args_is_help=True)


@app.command("types")
@handle_errors
def types(
    all_: Annotated[bool, typer.Option("--all", help="包括已停用的类型")] = False,
) -> None:
    """列出名单类型（类别、领域、有效期、是否公示、已授权的认定部门）。"""
    with session_scope() as session:
        table = Table()
        table.add_column("代码", no_wrap=True)
        for heading in ("名称", "类别", "领域", "有效期", "公示", "状态", "认定部门"):
            table.add_column(heading, overflow="fold")
        for t in repository.list_types(session, active_only=not all_):
            granted = publication.granted_departments(session, t.id)
            who = "—" if not granted else granted[0].name if len(granted) == 1 else f"{granted[0].name}等{len(granted)}个"
            table.add_row(t.code, t.name, t.kind.value, t.domain.value, f"{t.definition['validity_months']}个月",
                          "是" if publication.is_public_type(t) else "否", "启用" if t.is_active else "停用", who)
        console.print(table)


@app.command("load")
@handle_errors
def load(
    path: Annotated[Path, typer.Argument(help="名单类型定义文件（YAML，格式同 lists/data/list_types.yaml）",
                                         exists=True, dir_okay=False, readable=True)],
) -> None:
    """按文件同步名单类型：新增或更新文件中的类型，文件中没有的类型停用（不删除）。"""
    definitions = load_list_types(path)
    with session_scope() as session:
        changed = service.sync_list_types(session, definitions, actor=CLI_ACTOR)
    console.print(f"已同步 {len(definitions)} 个名单类型；有变化：{'、'.join(changed)}" if changed
                  else f"已核对 {len(definitions)} 个名单类型，内容未变化。")


@app.command("grant")
@handle_errors
def grant(
    type_code: Annotated[str, typer.Argument(help="名单类型代码，如 market_serious_violation")],
    department: Annotated[str, typer.Argument(help="认定部门的统一社会信用代码")],
) -> None:
    """授权一个部门认定某类名单（可重复执行）。"""
    with session_scope() as session:
        list_type = service.get_list_type(session, type_code)
        dept = get_department(session, department)
        service.grant(session, list_type, dept, actor=CLI_ACTOR)
        console.print(f"已授权：{dept.name} 可认定“{list_type.name}”")
