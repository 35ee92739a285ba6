"""Valid 行政处罚 / 行政许可 rows and files for collection tests."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from pathlib import Path

from sqlalchemy.orm import Session

from tests.factories import make_resident_id, make_uscc
from xinyong.departments.models import Department
from xinyong.departments.service import add_department

_numbers = itertools.count(1)


def department(session: Session, name: str = "漳州市市场监督管理局") -> Department:
    """A registered reporting department."""
    return add_department(session, uscc=make_uscc("11", "350600"), name=name, actor="test")


def penalty(dept: Department, *, name: str = "漳州市闽兴食品有限公司", uscc: str | None = None,
            category: str = "罚款", decided: dt.date | None = None, number: str | None = None,
            person_id: str | None = None, **extra: str) -> dict[str, str]:
    """One valid 行政处罚 row in national field codes."""
    decided = decided or dt.date.today() - dt.timedelta(days=3)
    row = {
        "CF_XDR_MC": name, "CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": uscc or make_uscc(), "CF_FRDB": "王建国",
        "CF_WSH": number or f"漳市监罚〔{decided.year}〕{next(_numbers)}号", "CF_WFXW": "未按规定公示年度报告",
        "CF_SY": "经查，当事人未按规定公示年度报告。", "CF_YJ": "《企业信息公示暂行条例》第十八条",
        "CF_CFLB": category, "CF_NR": "罚款人民币5,000元", "CF_NR_FK": "0.5",
        "CF_JDRQ": decided.isoformat(), "CF_YXQ": (decided + dt.timedelta(days=365)).isoformat(),
        "CF_CFJG": dept.name, "CF_CFJGDM": dept.uscc, "CF_SJLY": dept.name, "CF_SJLYDM": dept.uscc,
    }
    if person_id is not None:
        row.update({"CF_XDR_LB": "自然人", "CF_XDR_ZJLX": "居民身份证", "CF_XDR_ZJHM": person_id})
        row.pop("CF_XDR_SHXYM")
        row.pop("CF_FRDB")
    row.update(extra)
    return row


def person_id() -> str:
    """A fresh valid resident ID."""
    return make_resident_id("350602", "19850612")


def write_csv(path: Path, rows: list[dict[str, str]], *, encoding: str = "utf-8", labels: bool = False,
              definition: object | None = None) -> Path:
    """Write rows as CSV with codes (or Chinese labels) as headers."""
    fields = list(dict.fromkeys(k for r in rows for k in r))
    header = fields
    if labels and definition is not None:
        header = [definition.field_map[f].label if f in definition.field_map else f for f in fields]
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for r in rows:
            writer.writerow([r.get(f, "") for f in fields])
    return path
