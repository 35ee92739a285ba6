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


# ------------------------------------------------------------------ shared by the collection pipeline tests



def licence(dept: Department, *, name: str = "漳州市闽兴食品有限公司", uscc: str | None = None,
            decided: dt.date | None = None, until: dt.date | None = None, number: str | None = None,
            **extra: str) -> dict[str, str]:
    """One valid 行政许可 row in national field codes."""
    decided = decided or dt.date.today() - dt.timedelta(days=3)
    row = {
        "XK_XDR_MC": name, "XK_XDR_LB": "法人及非法人组织", "XK_XDR_SHXYM": uscc or make_uscc(), "XK_FRDB": "王建国",
        "XK_XKWS": "食品经营许可决定书", "XK_WSH": number or f"漳市监许〔{decided.year}〕{next(_numbers)}号",
        "XK_XKLB": "普通", "XK_XKZS": "食品经营许可证", "XK_XKBH": f"JY{next(_numbers):014d}",
        "XK_NR": "预包装食品（含冷藏冷冻食品）销售", "XK_JDRQ": decided.isoformat(), "XK_YXQZ": decided.isoformat(),
        "XK_YXQZI": (until or decided + dt.timedelta(days=5 * 365)).isoformat(), "XK_XKJG": dept.name,
        "XK_XKJGDM": dept.uscc, "XK_ZT": "有效", "XK_LYDW": dept.name, "XK_LYDWDM": dept.uscc,
    }
    row.update(extra)
    return row


def clerk_of(dept: Department, role: object = None) -> object:
    """A Principal acting for the department (a department clerk unless another role is given)."""
    from xinyong.accounts.service import Principal
    from xinyong.accounts.states import Role

    return Principal("user", 900_000 + dept.id, "测试经办人", role or Role.DEPARTMENT_CLERK, dept.id)


def weekends_calendar() -> object:
    """A working calendar that knows every year (weekends only), for deadline tests in any year."""
    from xinyong.calendar import WorkingCalendar

    return WorkingCalendar(weekends_fallback=True)


def submit(session: Session, keyring: object, dept: Department, rows: list[dict[str, str]], *,
           catalog: str = "xzcf", principal: object = None, today: dt.date | None = None,
           calendar: object = None) -> object:
    """Run one API-style batch of rows through the pipeline; returns the ImportBatch."""
    from xinyong.records.batches import BatchRequest, definition_of, run_batch
    from xinyong.records.readers import open_rows
    from xinyong.records.states import Channel

    _, definition = definition_of(session, catalog)
    request = BatchRequest(catalog, dept, principal or clerk_of(dept), Channel.API, "api")
    return run_batch(session, keyring, request, open_rows(rows, definition), today=today, calendar=calendar)


def submit_file(session: Session, keyring: object, dept: Department, path: Path, *, catalog: str = "xzcf",
                principal: object = None, chunk_rows: int = 50_000, today: dt.date | None = None) -> object:
    """Run one file through the pipeline as the CLI does; returns the ImportBatch."""
    from xinyong.records.batches import BatchRequest, definition_of, file_sha256, run_batch
    from xinyong.records.readers import open_file
    from xinyong.records.states import Channel

    _, definition = definition_of(session, catalog)
    request = BatchRequest(catalog, dept, principal or clerk_of(dept), Channel.CLI, path.name, file_sha256(path))
    return run_batch(session, keyring, request, open_file(path, definition, chunk_rows=chunk_rows), today=today)


def definition(session: Session, catalog: str = "xzcf") -> object:
    """The parsed catalogue definition."""
    from xinyong.records.batches import definition_of

    return definition_of(session, catalog)[1]
