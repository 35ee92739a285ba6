"""xinyong demo: deterministic realistic demo data."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from xinyong.cli.common import console, handle_errors, keyring_for, session_scope
from xinyong.demo.service import DEMO_PASSWORD, generate_demo


def run_demo(subjects: int, seed: int) -> None:
    """Generate the demo data with a progress bar and print the rate."""
    start = time.perf_counter()
    columns = (TextColumn("生成演示主体"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress, session_scope() as session:
        task = progress.add_task("demo", total=subjects)
        summary = generate_demo(session, keyring_for(session), subjects=subjects, seed=seed,
                                progress=lambda n: progress.advance(task, n))
        session.flush()
    elapsed = time.perf_counter() - start
    total = summary.persons + summary.organisations
    console.print(
        f"已生成：部门 {summary.departments} 个，法人及个体工商户 {summary.organisations:,} 个，自然人 {summary.persons:,} 人，"
        f"行政许可 {summary.licences:,} 条，行政处罚 {summary.penalties:,} 条，信用名单条目 {summary.list_entries} 条；"
        f"用时 {elapsed:.1f} 秒，{total / elapsed:,.0f} 主体/秒。"
    )
    console.print(f"演示账号：admin（信用办管理员）、zz-scjg（部门经办人），密码均为 {DEMO_PASSWORD}")


@handle_errors
def demo(
    subjects: Annotated[int, typer.Option("--subjects", help="生成的主体数量（法人、个体工商户和自然人合计）")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子：同一种子生成同一数据集")] = 20261122,
) -> None:
    """生成可重复的演示数据（四个示范城市的部门、企业、个体工商户、自然人、许可和处罚）。"""
    run_demo(subjects, seed)
