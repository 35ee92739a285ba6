"""Joint rewards and punishments API: the measures list, checks (触发-响应), feedback (反馈) and statistics."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from xinyong import codes
from xinyong.accounts.service import Principal
from xinyong.departments.service import get_department
from xinyong.errors import Unauthorized
from xinyong.lists.api import calendar_dep
from xinyong.measures import feedback, service, statistics
from xinyong.measures.definitions import Matter, MeasureDefinition, MeasureKind
from xinyong.measures.errors import InvalidCheck
from xinyong.measures.schemas import CheckIn, CheckOut
from xinyong.web import ERROR_RESPONSES, Caller, DbSession, in_unit_of_work, principal_from_request

router = APIRouter(tags=["联合奖惩"])
# The check is the hot path of business systems: its whole request runs in one worker thread (no
# dependency hops), with the caller resolved inside that unit of work.
checks_router = APIRouter(tags=["联合奖惩"], responses=ERROR_RESPONSES)
CheckId = Annotated[int, Path(ge=1, description="查询编号（check_id）")]
DepartmentCode = Annotated[str, Query(max_length=40, description="部门统一社会信用代码（信用办可按部门筛选）")]
Page = Annotated[int, Query(ge=1, le=10_000, description="页码，从 1 开始")]
PageSize = Annotated[int, Query(ge=1, le=feedback.MAX_PAGE, description="每页条数")]


def checking_department(session: Session, caller: Principal, uscc: str | None) -> int:
    """Id of the department handling the matter: the caller's own, or the one the credit office names."""
    caller.require(*service.CHECKERS)
    if uscc:
        return get_department(session, uscc).id
    if caller.department_id is None:
        raise InvalidCheck("未绑定部门的调用方（如信用办）须在 department 中指定办理部门")
    return caller.department_id


def normalised(body: CheckIn) -> CheckIn:
    """The request with a checked credit code, so a malformed code is refused with its reason."""
    if body.subject.code:
        body.subject.code = codes.validate_uscc(body.subject.code)
    return body


def _department_id(session: DbSession, uscc: str) -> int | None:
    return get_department(session, uscc).id if uscc.strip() else None


@router.get("/measures", response_model=list[MeasureDefinition], summary="联合奖惩措施清单")
def measures(session: DbSession,
             matter: Annotated[Matter | None, Query(description="只看适用于该事项的措施")] = None,
             kind: Annotated[MeasureKind | None, Query(description="激励 或 惩戒")] = None,
             ) -> list[MeasureDefinition]:
    """Active measures, mandatory first: triggers, matters, implementing departments, legal basis, 落实到人 (public)."""
    return [m for m in service.active_measures(session)
            if (matter is None or matter in m.matters) and (kind is None or m.kind is kind)]


@checks_router.post("/checks", response_model=CheckOut, summary="联合奖惩查询（触发-响应）")
async def make_check(body: CheckIn, request: Request) -> Response:
    """What applies to a subject for a matter: live entries, measures (mandatory first), green channel, a check id.

    需在请求头 `Authorization: Bearer <API密钥>` 或 `X-API-Key` 中提供部门或业务系统的密钥。
    """
    def work(session: Session) -> str:
        caller = principal_from_request(request, session)
        if caller is None:
            raise Unauthorized("需要登录或提供 API 密钥")
        department_id = checking_department(session, caller, body.department)
        calendar = request.app.dependency_overrides.get(calendar_dep, calendar_dep)()
        out = service.check(session, request.app.state.keyring, calendar, caller, department_id, normalised(body))
        return out.model_dump_json()

    # Already a CheckOut: serialised once here instead of re-validated by the response model.
    # The check reads, then appends its log row: a failed insert leaves nothing to undo.
    return Response(await in_unit_of_work(request, work, appends=True), media_type="application/json")


@router.post("/checks/{check_id}/feedback", response_model=feedback.FeedbackOut, status_code=201,
             summary="反馈措施实施情况")
def give_feedback(check_id: CheckId, body: feedback.FeedbackIn, session: DbSession,
                  caller: Caller) -> feedback.FeedbackOut:
    """Once per check, by the department that made it; only measures the check returned."""
    return feedback.feedback_out(feedback.submit(session, caller, check_id, body))


@router.get("/checks/follow-up", response_model=feedback.FollowUpPage, summary="逾期未反馈的查询（跟踪督办）")
def follow_up(session: DbSession, caller: Caller, department: DepartmentCode = "", page: Page = 1,
              page_size: PageSize = 100) -> feedback.FollowUpPage:
    """Checks that returned measures and are past their feedback date without feedback; own department or all."""
    return feedback.follow_up(session, caller, dt.date.today(), department_id=_department_id(session, department),
                              offset=(page - 1) * page_size, limit=page_size)


@router.get("/checks/typical", response_model=feedback.TypicalPage, summary="典型案例")
def typical(session: DbSession, caller: Caller, department: DepartmentCode = "", page: Page = 1,
            page_size: PageSize = 100) -> feedback.TypicalPage:
    """Feedback marked as typical cases, newest first; own department or all."""
    return feedback.typical_cases(session, caller, department_id=_department_id(session, department),
                                  offset=(page - 1) * page_size, limit=page_size)


@router.get("/statistics/checks", response_model=statistics.StatisticsOut, summary="联合奖惩统计")
def check_statistics(
    session: DbSession, caller: Caller,
    month: Annotated[str, Query(max_length=10, description="月份 YYYY-MM（北京时间）；省略时为最近12个月")] = "",
    department: DepartmentCode = "",
) -> statistics.StatisticsOut:
    """Checks, hits, measures applied, feedback rate and typical cases per department and month."""
    today = dt.date.today()
    months = [f"{statistics.parse_month(month):%Y-%m}"] if month.strip() else statistics.recent_months(today)
    return statistics.check_statistics(session, caller, months=months, today=today,
                                       department_id=_department_id(session, department))
