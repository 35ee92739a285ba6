"""xinyong measures: the joint rewards and punishments measures list (措施清单)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from xinyong.cli.common import CLI_ACTOR, console, handle_errors, session_scope
from xinyong.measures import service
from xinyong.measures.definitions import MeasureDefinition, load_measures
from xinyong.measures.models import Measure

app = typer.Typer(help="联合奖惩措施清单", no_args_is_help=True)


def _triggers(definition: MeasureDefinition) -> str:
    return "；".join(f"{t.kind.value}（{'、'.join(d.value for d in t.domains)}）" if t.domains else t.kind.value
                    for t in definition.triggers)


@app.command("list")
@handle_errors
def list_(
    all_: Annotated[bool, typer.Option("--all", help="包括已停用的措施")] = False,
    detail: Annotated[bool, typer.Option("--detail", help="逐项列出触发名单、实施部门和法律依据")] = False,
) -> None:
    """列出措施（强制性在前）：类别、性质、适用事项、落实到人；--detail 另列触发名单、实施部门和法律依据。"""
    with session_scope() as session:
        stmt = select(Measure).order_by(Measure.mandatory.desc(), Measure.kind, Measure.code)
        if not all_:
            stmt = stmt.where(Measure.is_active.is_(True))
        rows = [(MeasureDefinition.model_validate(m.definition), m.is_active) for m in session.scalars(stmt)]
    if detail:
        for d, active in rows:
            console.print(f"[bold]{d.name}[/]（{d.code}，{d.kind.value}·{'强制性' if d.mandatory else '推荐性'}"
                          f"{'' if active else '，已停用'}）", highlight=False)
            for label, text in (("触发名单", _triggers(d)), ("适用事项", "、".join(x.value for x in d.matters)),
                                ("实施部门", "、".join(d.departments)), ("落实到人", "是" if d.reaches_persons else "否"),
                                ("法律依据", d.basis_text)):
                console.print(f"  {label}：{text}", markup=False, highlight=False)
        return
    table = Table()
    table.add_column("代码", no_wrap=True)
    for heading in ("名称", "性质", "适用事项", "落实到人", "状态"):
        table.add_column(heading, overflow="fold")
    for d, active in rows:
        table.add_row(d.code, d.name, f"{d.kind.value}·{'强制性' if d.mandatory else '推荐性'}",
                      "、".join(x.value for x in d.matters), "是" if d.reaches_persons else "否",
                      "启用" if active else "停用")
    console.print(table)


@app.command("load")
@handle_errors
def load(
    path: Annotated[Path, typer.Argument(help="措施清单文件（YAML，格式同 measures/data/measures.yaml）",
                                         exists=True, dir_okay=False, readable=True)],
    keep_others: Annotated[bool, typer.Option("--keep-others", help="只新增或更新文件中的措施，不停用文件中没有的措施")]
    = False,
) -> None:
    """按文件同步措施清单：新增或更新文件中的措施，文件中没有的措施停用（不删除，历史查询仍可追溯）。"""
    definitions = load_measures(path)
    with session_scope() as session:
        before = set(session.scalars(select(Measure.code).where(Measure.is_active.is_(True))))
        changed = service.sync_measures(session, definitions, actor=CLI_ACTOR, deactivate_missing=not keep_others)
    stopped = sorted(before - {d.code for d in definitions}) if not keep_others else []
    if not changed:
        console.print(f"已核对 {len(definitions)} 项措施，内容未变化。")
        return
    console.print(f"已同步 {len(definitions)} 项措施；有变化：{'、'.join(changed)}")
    if stopped:
        console.print(f"已停用文件中没有的措施：{'、'.join(stopped)}")
