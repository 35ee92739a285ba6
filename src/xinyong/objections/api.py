"""Objections API: anyone files one (a department key files as that department); tracking; handling by departments."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from xinyong.accounts.service import Principal
from xinyong.attachments.errors import UploadRejected
from xinyong.lists.api import AppCalendar
from xinyong.objections import decisions, repository, views
from xinyong.objections.schemas import ObjectionIn, ObjectionReceipt, ObjectionStatusOut, StatusQuery
from xinyong.objections.states import Remedy
from xinyong.objections.submission import Evidence, find_for_applicant, submit
from xinyong.web import AppKeyring, AppSettings, Caller, DbSession, optional_principal

router = APIRouter(tags=["异议"])
ObjectionId = Annotated[int, Path(ge=1, description="异议编号")]
MaybeCaller = Annotated[Principal | None, Depends(optional_principal)]


def _evidence(body: ObjectionIn) -> list[Evidence]:
    files = []
    for item in body.evidence:
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise UploadRejected(f"证明材料“{item.filename[:60]}”不是有效的 Base64 内容") from None
        files.append(Evidence(item.filename, content))
    return files


@router.post("/objections", status_code=201, response_model=ObjectionReceipt,
             responses={200: {"model": ObjectionReceipt, "description": "同一申请人对同一信息已有处理中的异议：返回原申请"}})
def file_objection(body: ObjectionIn, session: DbSession, keyring: AppKeyring, settings: AppSettings,
                   calendar: AppCalendar, caller: MaybeCaller) -> Any:
    """提出异议：对公示中的信用记录或名单条目；无需密钥（部门密钥以该部门名义提出）。"""
    filing = submit(session, keyring, settings, calendar, body, _evidence(body), principal=caller,
                    today=dt.date.today())
    out = views.receipt(session, filing.objection, existing=filing.existing)
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if filing.existing else 201)


@router.post("/objections/status", response_model=ObjectionStatusOut)
def objection_status(body: StatusQuery, session: DbSession) -> ObjectionStatusOut:
    """凭查询码和申请人证件号码（或统一社会信用代码）后四位查询异议进度。"""
    objection = find_for_applicant(session, body.tracking_code, body.id_tail)
    return views.public_status(session, objection, dt.date.today())


class QueueItem(BaseModel):
    """One objection in a department's queue."""

    id: int
    tracking_code: str
    status: str
    status_label: str
    target: str
    department: str
    submitted_on: dt.date
    accept_due_on: dt.date
    decide_due_on: dt.date
    extended: bool
    overdue: bool


@router.get("/objections", response_model=list[QueueItem])
def queue(session: DbSession, caller: Caller) -> list[QueueItem]:
    """待处理异议：部门看本部门的，信用办看全部；按处理期限排序。"""
    decisions.guard_role(caller)
    rows = views.queue_rows(session, list(repository.queue(session, caller.department_id)), dt.date.today())
    return [QueueItem(**{k: getattr(r, k) for k in QueueItem.model_fields}) for r in rows]


class ReasonIn(BaseModel):
    """A reason for a decision."""

    reason: str = Field("", description="理由（不超过 2000 字）")


class UpholdIn(ReasonIn):
    """An upheld objection and its remedy."""

    remedy: Remedy = Field(description="correct 更正记录 / revoke 撤销记录 / exit_corrected 异议核实更正移出 / exit_mistake 误列入移出")
    changes: dict[str, str] = Field(default_factory=dict, description="更正的字段及新值（仅 correct）")


def _done(session: DbSession, objection: Any) -> ObjectionStatusOut:
    return views.public_status(session, objection, dt.date.today())


@router.post("/objections/{objection_id}/accept", response_model=ObjectionStatusOut)
def accept(objection_id: ObjectionId, session: DbSession, caller: Caller) -> ObjectionStatusOut:
    """受理（出具受理通知书）。"""
    objection = decisions.get_for(session, caller, objection_id)
    return _done(session, decisions.accept(session, caller, objection, today=dt.date.today()))


@router.post("/objections/{objection_id}/not-accept", response_model=ObjectionStatusOut)
def not_accept(objection_id: ObjectionId, body: ReasonIn, session: DbSession, caller: Caller) -> ObjectionStatusOut:
    """不予受理（须说明理由）。"""
    objection = decisions.get_for(session, caller, objection_id)
    return _done(session, decisions.not_accept(session, caller, objection, reason=body.reason, today=dt.date.today()))


@router.post("/objections/{objection_id}/verify", response_model=ObjectionStatusOut)
def verify(objection_id: ObjectionId, session: DbSession, caller: Caller) -> ObjectionStatusOut:
    """开始核查。"""
    objection = decisions.get_for(session, caller, objection_id)
    return _done(session, decisions.start_verifying(session, caller, objection))


@router.post("/objections/{objection_id}/uphold", response_model=ObjectionStatusOut)
def uphold(objection_id: ObjectionId, body: UpholdIn, session: DbSession, caller: Caller) -> ObjectionStatusOut:
    """异议成立：更正或撤销记录，或将名单条目移出。"""
    objection = decisions.get_for(session, caller, objection_id)
    return _done(session, decisions.uphold(session, caller, objection, remedy=body.remedy, reason=body.reason,
                                           changes=body.changes, today=dt.date.today()))


@router.post("/objections/{objection_id}/reject", response_model=ObjectionStatusOut)
def reject(objection_id: ObjectionId, body: ReasonIn, session: DbSession, caller: Caller) -> ObjectionStatusOut:
    """异议不成立（须说明理由），恢复原状态。"""
    objection = decisions.get_for(session, caller, objection_id)
    return _done(session, decisions.reject(session, caller, objection, reason=body.reason, today=dt.date.today()))


@router.post("/objections/{objection_id}/extend", response_model=ObjectionStatusOut)
def extend(objection_id: ObjectionId, body: ReasonIn, session: DbSession, settings: AppSettings,
           calendar: AppCalendar, caller: Caller) -> ObjectionStatusOut:
    """延长处理期限（仅一次，须说明理由）。"""
    objection = decisions.get_for(session, caller, objection_id)
    return _done(session, decisions.extend(session, settings, calendar, caller, objection, reason=body.reason))
