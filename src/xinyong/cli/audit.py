"""xinyong audit: check the tamper-evident audit chain."""

from __future__ import annotations

import typer

from xinyong.audit.service import verify_chain
from xinyong.cli.common import console, err_console, handle_errors, session_scope

app = typer.Typer(help="审计日志", no_args_is_help=True)


@app.command("verify")
@handle_errors
def verify() -> None:
    """逐条核对审计事件哈希链；发现被修改、删除或调换顺序的事件时指出第一条并以非零状态退出。"""
    with session_scope() as session:
        report = verify_chain(session)
    if not report.ok:
        err_console.print(f"[bold red]{report.summary()}[/]")
        raise typer.Exit(2)
    console.print(report.summary())
