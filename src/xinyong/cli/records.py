"""xinyong import: collect records from a CSV or Excel file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.cli.common import console, err_console, handle_errors, keyring_for, session_scope
from xinyong.departments.service import get_department
from xinyong.errors import XinyongError
from xinyong.records import reports
from xinyong.records.batches import BatchRequest, definition_of, file_sha256, record_failed_batch, run_batch
from xinyong.records.readers import open_file
from xinyong.records.states import Channel

CLI_PRINCIPAL = Principal("cli", 0, "命令行", Role.CREDIT_OFFICE_ADMIN, None)


@handle_errors
def import_file(
    path: Annotated[Path, typer.Argument(help="CSV（UTF-8 或 GBK）、.xlsx 或 .xls 文件", exists=True, dir_okay=False)],
    catalog: Annotated[str, typer.Option("--catalog", help="目录编码，如 xzcf、xzxk")],
    department: Annotated[str, typer.Option("--department", help="报送部门统一社会信用代码")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出批次汇总")] = False,
) -> None:
    """校验并导入一个文件；整批要么全部入库，要么全部不入库。"""
    request: BatchRequest | None = None
    try:
        with session_scope() as session:
            keyring = keyring_for(session)
            request = BatchRequest(catalog, get_department(session, department), CLI_PRINCIPAL, Channel.CLI,
                                   path.name, file_sha256(path))
            table = open_file(path, definition_of(session, catalog)[1])
            columns = (TextColumn("导入 {task.fields[name]}"), BarColumn(), TextColumn("{task.completed:,} 行"),
                       TimeElapsedColumn())
            with Progress(*columns, console=err_console, transient=as_json, disable=as_json) as progress:
                task = progress.add_task("import", total=None, name=path.name)
                batch = run_batch(session, keyring, request, table, progress=lambda n: progress.advance(task, n))
            summary = reports.summarise(session, batch)
    except XinyongError as exc:
        if request is not None:  # the file was unreadable: keep a failed batch as a trace
            with session_scope() as session:
                # The first unit of work was rolled back and closed: its Department is detached and expired.
                request = replace(request, department=get_department(session, department))
                failed = record_failed_batch(session, request, exc.message)
                if as_json:
                    console.print_json(json.dumps(reports.summarise(session, failed).model_dump(mode="json"),
                                                  ensure_ascii=False))
        raise
    if as_json:
        console.print_json(json.dumps(summary.model_dump(mode="json"), ensure_ascii=False))
        return
    _print_summary(summary)


def _print_summary(summary: reports.BatchSummary) -> None:
    table = Table("接收", "新增", "更新", "未变化", "撤销", "拒绝", "逾期报送", "待核查", title=f"批次 {summary.batch_id}")
    table.add_row(*(f"{n:,}" for n in (summary.received, summary.accepted, summary.updated, summary.unchanged,
                                        summary.revoked, summary.rejected, summary.late, summary.flagged)))
    console.print(table)
    for note in summary.notes:
        console.print(f"说明：{note}")
    if summary.errors:
        errors = Table("行号", "字段", "值", "问题", title=f"问题（共 {summary.error_count:,} 条，显示前 {min(20, len(summary.errors))} 条）")
        for e in summary.errors[:20]:
            errors.add_row(str(e.row), e.label, e.value, e.reason)
        console.print(errors)
