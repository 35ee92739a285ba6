"""xinyong repairs: the credit repair rules in force, and a check of a rules file before it is used."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import console, handle_errors, settings
from xinyong.errors import InvalidInput
from xinyong.repairs.rules import RepairRuleSet, active_rules, load_rules, rule_set_on

app = typer.Typer(help="信用修复规则", no_args_is_help=True)


def _table(sets: tuple[RepairRuleSet, ...]) -> Table:
    table = Table()
    for heading in ("施行日期", "规则", "受理/决定（工作日）", "轻微", "一般", "严重", "不予修复的类型"):
        table.add_column(heading, overflow="fold")
    for s in sets:
        classes = []
        for c in s.classes.values():
            if not c.repairable:
                classes.append("不可修复")
                continue
            extra = ("，须信用报告" if c.credit_report else "") + ("，须培训" if c.training else "")
            classes.append(f"满 {c.min_months} 个月{extra}")
        table.add_row(s.effective_on.isoformat(), s.citation, f"{s.accept_working_days} / {s.decide_working_days}",
                      *classes, "、".join(e.record_type for e in s.excluded) or "—")
    return table


@app.command("rules")
@handle_errors
def rules(
    path: Annotated[Path | None, typer.Argument(help="要检查的规则文件（YAML，格式同 repairs/data/repair_rules.yaml）",
                                                dir_okay=False)] = None,
    on: Annotated[str | None, typer.Option("--on", help="显示该日（YYYY-MM-DD）提交的申请适用哪套规则")] = None,
) -> None:
    """列出修复规则（默认为正在使用的规则：XINYONG_REPAIR_RULES_FILE 或随附规则）；给出文件时检查并列出该文件。"""
    sets = load_rules(path) if path is not None else active_rules(settings())
    console.print(_table(sets))
    if on:
        try:
            day = dt.date.fromisoformat(on)
        except ValueError as exc:
            raise InvalidInput(f"日期格式应为 YYYY-MM-DD，实为“{on}”") from exc
        chosen = rule_set_on(day, sets)
        console.print(f"{day} 提交的申请适用：{chosen.citation}（{chosen.effective_on} 起施行）", highlight=False)
