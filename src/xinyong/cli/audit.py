"""xinyong audit: check the tamper-evident audit chain."""

from __future__ import annotations

from typing import Annotated

import typer

from xinyong.audit.service import verify_chain
from xinyong.cli.common import console, err_console, handle_errors, session_scope
from xinyong.errors import InvalidInput

app = typer.Typer(help="审计日志", no_args_is_help=True)


@app.command("verify")
@handle_errors
def verify(
    anchor: Annotated[str | None, typer.Option("--anchor", help="此前校验时记下的“序号:哈希”，用于发现链末尾被删除")] = None,
) -> None:
    """逐条核对审计事件哈希链；发现被修改、删除或调换顺序的事件时指出第一条并以非零状态退出。"""
    with session_scope() as session:
        report = verify_chain(session, parse_anchor(anchor) if anchor else None)
    if not report.ok:
        err_console.print(f"[bold red]{report.summary()}[/]")
        raise typer.Exit(2)
    console.print(report.summary())
    console.print(f"锚点（请另行保存，下次用 --anchor 核对链末尾未被删除）：{report.head_seq}:{report.head_hash}")


def parse_anchor(text: str) -> tuple[int, str]:
    """SEQ:HASH as printed by a previous check."""
    seq, _, digest = text.strip().partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise InvalidInput("锚点格式应为“序号:64位哈希”，例如 1024:3f5a…（取自上次校验的输出）")
    return int(seq), digest
