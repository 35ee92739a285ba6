"""xinyong users: console accounts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.accounts import repository, service
from xinyong.accounts.states import Role, UserStatus
from xinyong.cli.common import CLI_ACTOR, console, handle_errors, session_scope
from xinyong.departments import service as departments_service
from xinyong.errors import NotFound

app = typer.Typer(help="工作台用户管理", no_args_is_help=True)
ROLE_HELP = ";".join(f"{r.value}={r.label}" for r in Role)


@app.command("add")
@handle_errors
def add(
    username: Annotated[str, typer.Argument(help="登录名")],
    role: Annotated[Role, typer.Option("--role", help=ROLE_HELP)],
    display_name: Annotated[str, typer.Option("--name", help="姓名或显示名")] = "",
    department: Annotated[str | None, typer.Option("--department", help="所属部门统一社会信用代码")] = None,
    password: Annotated[str, typer.Option("--password", prompt="密码", hide_input=True,
                                          confirmation_prompt=True, help="登录密码（不少于10位）")] = "",
) -> None:
    """添加工作台用户。"""
    with session_scope() as session:
        dept = departments_service.get_department(session, department) if department else None
        user = service.create_user(session, username=username, display_name=display_name or username,
                                   password=password, role=role, department=dept, actor=CLI_ACTOR)
        console.print(f"已添加用户 {user.username}({role.label})")


@app.command("list")
@handle_errors
def list_() -> None:
    """列出工作台用户。"""
    with session_scope() as session:
        table = Table("登录名", "姓名", "角色", "部门", "状态")
        for u in repository.list_users(session):
            table.add_row(u.username, u.display_name, Role(u.role).label,
                          u.department.name if u.department else "", "启用" if u.status == UserStatus.ACTIVE else "停用")
        console.print(table)


@app.command("disable")
@handle_errors
def disable(username: str, reason: Annotated[str | None, typer.Option("--reason")] = None) -> None:
    """停用用户。"""
    with session_scope() as session:
        user = repository.get_user_by_username(session, username)
        if user is None:
            raise NotFound(f"用户 {username} 不存在")
        service.set_user_status(session, user, UserStatus.DISABLED, actor=CLI_ACTOR, reason=reason)
        console.print(f"已停用用户 {username}")
