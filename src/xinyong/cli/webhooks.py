"""xinyong webhooks: departments' receivers of list changes, and a delivery run."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.cli.common import console, handle_errors, keyring_for, session_scope
from xinyong.db import utcnow
from xinyong.departments.service import get_department
from xinyong.lists import webhooks

app = typer.Typer(help="名单变更订阅（Webhook）", no_args_is_help=True)
CLI_PRINCIPAL = Principal("cli", 0, "命令行", Role.CREDIT_OFFICE_ADMIN, None)


@app.command("add")
@handle_errors
def add(
    department: Annotated[str, typer.Argument(help="部门统一社会信用代码")],
    url: Annotated[str, typer.Argument(help="接收地址（http:// 或 https://）")],
    domain: Annotated[list[str], typer.Option("--domain", help="订阅的重点领域，可重复，如 --domain 食品药品")],
) -> None:
    """登记订阅；签名密钥只显示这一次。"""
    with session_scope() as session:
        dept = get_department(session, department)
        hook, secret = webhooks.register_webhook(session, keyring_for(session), CLI_PRINCIPAL, dept, url, domain)
        hook_id, domains = hook.id, "、".join(hook.domains)
    console.print(f"已登记订阅 #{hook_id}（{dept.name}，{domains}）。签名密钥如下，请立即妥善保存，之后无法再次查看：")
    console.print(secret, markup=False, highlight=False, soft_wrap=True)


@app.command("list")
@handle_errors
def list_() -> None:
    """列出全部订阅（不显示密钥）。"""
    with session_scope() as session:
        table = Table("编号", "部门", "接收地址", "重点领域", "状态", "登记时间")
        for hook, dept in webhooks.webhooks_visible_to(session, CLI_PRINCIPAL):
            table.add_row(str(hook.id), dept.name, hook.url, "、".join(hook.domains),
                          "启用" if hook.is_active else "已停用", hook.created_at.isoformat(timespec="seconds"))
        console.print(table)


@app.command("disable")
@handle_errors
def disable(webhook_id: Annotated[int, typer.Argument(help="订阅编号")]) -> None:
    """停用订阅；尚未送达的事件标记为投递失败。"""
    with session_scope() as session:
        webhooks.deactivate_webhook(session, CLI_PRINCIPAL, webhooks.get_webhook(session, webhook_id))
    console.print(f"已停用订阅 #{webhook_id}")


def deliver_webhooks(timeout: float = 5.0) -> dict[str, int]:
    """Queue, commit, then deliver: two units of work, so no HTTP call runs inside a write transaction."""
    with session_scope() as session:
        queued = webhooks.enqueue(session)
    with session_scope() as session:
        counts = webhooks.deliver_due(session, keyring_for(session), utcnow(), timeout=timeout)
    return {"queued": queued, **counts}


@app.command("deliver")
@handle_errors
def deliver(timeout: Annotated[float, typer.Option("--timeout", min=0.1, max=60, help="每次投递的超时秒数")] = 5.0) -> None:
    """运行一次：登记新的名单变更事件并投递到期的事件（可重复运行）。"""
    counts = deliver_webhooks(timeout)
    console.print(f"新排队 {counts['queued']} 条；到期 {counts['due']} 条：送达 {counts['delivered']}，"
                  f"待重试 {counts['retrying']}，失败 {counts['failed']}，顺延 {counts['deferred']}。")
