"""Check statistics per department and month: checks, hits, measures applied, feedback rate, typical cases."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from pydantic import BaseModel, Field
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import Principal
from xinyong.departments.models import Department
from xinyong.measures.errors import InvalidMonth
from xinyong.measures.feedback import has_measures, scope_department
from xinyong.measures.models import CheckFeedback, CreditCheck

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")  # months are counted in local time (no DST in China)
DEFAULT_MONTHS = 12
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class CheckStats(BaseModel):
    """One department in one month (or the total of a table)."""

    month: str = Field(description="YYYY-MM（北京时间）；合计行为所选月份范围")
    department: str | None = Field(description="部门统一社会信用代码；合计行为空")
    department_name: str
    checks: int = Field(description="查询次数")
    hits: int = Field(description="命中名单的查询次数（含异议核查中暂停的条目）")
    with_measures: int = Field(description="返回了奖惩措施、应当反馈的查询次数")
    feedbacks: int = Field(description="其中已反馈的次数")
    feedback_rate: float | None = Field(description="反馈率 = 已反馈 ÷ 应反馈；无应反馈查询时为空")
    measures_applied: int = Field(description="反馈中已实施的措施项数")
    overdue: int = Field(description="超过反馈期限仍未反馈的查询次数")
    typical: int = Field(description="典型案例数")


class StatisticsOut(BaseModel):
    """Statistics table: rows per month (newest first) and department, and their total."""

    months: list[str]
    rows: list[CheckStats]
    total: CheckStats


def parse_month(text: str) -> dt.date:
    """First day of a YYYY-MM month, or InvalidMonth with a Chinese reason."""
    m = MONTH_RE.fullmatch(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise InvalidMonth(f"月份格式应为 YYYY-MM（如 2026-06），收到“{text}”")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def _next(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def recent_months(today: dt.date, count: int = DEFAULT_MONTHS) -> list[str]:
    """The last `count` months up to today's, newest first."""
    first, out = today.replace(day=1), []
    for _ in range(count):
        out.append(f"{first:%Y-%m}")
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The month's start and the next month's start, as UTC instants of Beijing midnight."""
    first = parse_month(month)
    start = dt.datetime.combine(first, dt.time(), BEIJING).astimezone(dt.UTC)
    return start, dt.datetime.combine(_next(first), dt.time(), BEIJING).astimezone(dt.UTC)


def _count(condition: object) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _month(session: Session, month: str, department_id: int | None, today: dt.date) -> dict[int, dict[str, int]]:
    start, end = month_bounds(month)
    where = [CreditCheck.checked_at >= start, CreditCheck.checked_at < end]
    if department_id is not None:
        where.append(CreditCheck.department_id == department_id)
    answered = CheckFeedback.id.is_not(None)
    rows = session.execute(
        select(CreditCheck.department_id, func.count(CreditCheck.id), _count(CreditCheck.hit.is_(True)),
               _count(has_measures()), _count(and_(has_measures(), answered)),
               _count(CheckFeedback.is_typical.is_(True)),
               _count(and_(has_measures(), CheckFeedback.id.is_(None), CreditCheck.feedback_due_on < today)))
        .outerjoin(CheckFeedback, CheckFeedback.check_id == CreditCheck.id)
        .where(*where).group_by(CreditCheck.department_id)).all()
    figures: dict[int, dict[str, int]] = {
        r[0]: {"checks": r[1], "hits": r[2], "with_measures": r[3], "feedbacks": r[4], "typical": r[5],
               "overdue": r[6], "measures_applied": 0} for r in rows}
    applied = session.execute(select(CreditCheck.department_id, CheckFeedback.measures_applied)
                              .join(CheckFeedback, CheckFeedback.check_id == CreditCheck.id).where(*where))
    for dept_id, codes in applied:
        figures[dept_id]["measures_applied"] += len(codes or [])
    return figures


def _stats(month: str, dept: Department | None, f: dict[str, int]) -> CheckStats:
    rate = round(f["feedbacks"] / f["with_measures"], 4) if f["with_measures"] else None
    return CheckStats(month=month, department=dept.uscc if dept else None,
                      department_name=dept.name if dept else "合计", feedback_rate=rate, **f)


def check_statistics(session: Session, principal: Principal, *, months: list[str], today: dt.date,
                     department_id: int | None = None) -> StatisticsOut:
    """Figures per department and month; a department sees its own, the credit office all or one."""
    scope = scope_department(principal, department_id)
    months = sorted(dict.fromkeys(months), reverse=True)
    per_month = {m: _month(session, m, scope, today) for m in months}
    ids = {d for figures in per_month.values() for d in figures}
    depts = {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(ids)))} if ids else {}
    rows, total = [], defaultdict(int)
    for month in months:
        for dept_id, f in sorted(per_month[month].items(), key=lambda kv: depts[kv[0]].name):
            rows.append(_stats(month, depts[dept_id], f))
            for key, value in f.items():
                total[key] += value
    span = months[0] if len(months) == 1 else f"{months[-1]} 至 {months[0]}" if months else ""
    keys = ("checks", "hits", "with_measures", "feedbacks", "typical", "overdue", "measures_applied")
    return StatisticsOut(months=months, rows=rows, total=_stats(span, None, {k: total[k] for k in keys}))
