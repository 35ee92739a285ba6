"""xinyong apikeys: keys for business systems and departments."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.accounts import repository, service
from xinyong.accounts.states import Role
from xinyong.cli.common import CLI_ACTOR, console, handle_errors, session_scope
from xinyong.departments import service as departments_service
from xinyong.errors import NotFound

app = typer.Typer(help="API 密钥管理", no_args_is_help=True)


@app.command("create")
@handle_errors
def create(
    name: Annotated[str, typer.Argument(help="调用方名称，如“市公共资源交易系统”")],
    role: Annotated[Role, typer.Option("--role", help="business_system 或 department_clerk")] = Role.BUSINESS_SYSTEM,
    department: Annotated[str | None, typer.Option("--department", help="所属部门统一社会信用代码")] = None,
) -> None:
    """创建 API 密钥；密钥只显示这一次。"""
    with session_scope() as session:
        dept = departments_service.get_department(session, department) if department else None
        key, plain = service.create_api_key(session, name=name, role=role, department=dept, actor=CLI_ACTOR)
    console.print(f"已创建 API 密钥 #{key.id}({key.name})。请立即妥善保存，之后无法再次查看：")
    console.print(plain, markup=False, highlight=False, soft_wrap=True)


@app.command("list")
@handle_errors
def list_() -> None:
    """列出 API 密钥（不显示密钥本身）。"""
    with session_scope() as session:
        table = Table("编号", "名称", "前缀", "角色", "部门", "状态", "最近使用")
        for k in repository.list_api_keys(session):
            table.add_row(str(k.id), k.name, k.prefix + "…", Role(k.role).label,
                          k.department.name if k.department else "", k.status,
                          k.last_used_at.isoformat(timespec="seconds") if k.last_used_at else "")
        console.print(table)


@app.command("revoke")
@handle_errors
def revoke(key_id: int, reason: Annotated[str | None, typer.Option("--reason")] = None) -> None:
    """吊销 API 密钥（不可恢复）。"""
    with session_scope() as session:
        key = repository.get_api_key(session, key_id)
        if key is None:
            raise NotFound(f"API 密钥 #{key_id} 不存在")
        service.revoke_api_key(session, key, actor=CLI_ACTOR, reason=reason)
    console.print(f"已吊销 API 密钥 #{key_id}")
