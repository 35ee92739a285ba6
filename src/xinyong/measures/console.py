"""Pages of joint rewards and punishments: the console statistics page and the public measures list (措施清单)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from xinyong.accounts.service import principal_for_user
from xinyong.accounts.states import Role
from xinyong.departments import repository as departments_repository
from xinyong.departments.service import get_department
from xinyong.errors import XinyongError
from xinyong.measures import feedback, service, statistics
from xinyong.measures.definitions import Matter, MeasureKind
from xinyong.measures.models import Measure
from xinyong.web import DbSession, current_login, render

router = APIRouter(prefix="/console/measures", include_in_schema=False)
public_router = APIRouter(include_in_schema=False)
CONSOLE_MONTHS = 6
FOLLOW_UP_ROWS = 50
TYPICAL_ROWS = 20
KIND_NOTES = {
    MeasureKind.PUNISHMENT: "对严重失信主体名单、重点关注名单、信用预警名单中的主体，依法依规实施的惩戒措施。",
    MeasureKind.REWARD: "对红名单中的守信主体，依法依规给予的激励措施。",
}


def local_time(moment: dt.datetime) -> str:
    """A stored UTC time as Beijing time to the minute."""
    return moment.astimezone(statistics.BEIJING).strftime("%Y-%m-%d %H:%M")


def measure_names(session: DbSession) -> dict[str, str]:
    """Code → name of every measure, including deactivated ones (old checks may name them)."""
    return {code: name for code, name in session.execute(select(Measure.code, Measure.name))}


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession, month: Annotated[str, Query(max_length=10)] = "",
              department: Annotated[str, Query(max_length=40)] = "") -> Any:
    """Statistics per department and month, checks to follow up and typical cases; a clerk sees their own."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    principal = principal_for_user(login.user)
    principal.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    admin = principal.role is Role.CREDIT_OFFICE_ADMIN
    today, error = dt.date.today(), None
    months = statistics.recent_months(today, CONSOLE_MONTHS)
    department_id = None
    try:
        if month.strip():
            months = [f"{statistics.parse_month(month):%Y-%m}"]
        if admin and department.strip():
            department_id = get_department(session, department).id
    except XinyongError as exc:
        error, month, department = exc.message, "", ""
    stats = statistics.check_statistics(session, principal, months=months, today=today, department_id=department_id)
    follow = feedback.follow_up(session, principal, today, department_id=department_id, limit=FOLLOW_UP_ROWS)
    cases = feedback.typical_cases(session, principal, department_id=department_id, limit=TYPICAL_ROWS)
    return render(request, "console_measures.html", {
        "user": login.user, "csrf": login.csrf_token, "admin": admin, "error": error, "stats": stats,
        "follow": follow, "cases": cases, "names": measure_names(session), "today": today,
        "departments": departments_repository.list_all(session) if admin else [],
        "filters": {"month": month.strip(), "department": department.strip()},
        "feedback_days": service.FEEDBACK_WORKING_DAYS, "local": local_time,
    })


@public_router.get("/measures", response_class=HTMLResponse)
def measures_page(request: Request, session: DbSession, matter: Annotated[str, Query(max_length=20)] = "") -> Any:
    """The measures list: each measure's legal basis, mandatory or recommended, triggers, matters and 落实到人."""
    chosen = next((m for m in Matter if m.value == matter.strip()), None)
    active = [m for m in service.active_measures(session) if chosen is None or chosen in m.matters]
    groups = [(kind, KIND_NOTES[kind], [m for m in active if m.kind is kind])
              for kind in (MeasureKind.PUNISHMENT, MeasureKind.REWARD)]
    return render(request, "measures.html", {
        "groups": [g for g in groups if g[2]], "matters": list(Matter), "matter": chosen, "count": len(active),
    })
