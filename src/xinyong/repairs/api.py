"""Repair JSON API: apply without login, read the status with tracking code and ID tail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from xinyong.lists.api import AppCalendar
from xinyong.repairs import service
from xinyong.repairs.schemas import RepairApiIn, RepairIn, RepairOut
from xinyong.web import AppKeyring, AppSettings, DbSession

router = APIRouter(tags=["信用修复"])
Code = Annotated[str, Path(max_length=40, description="跟踪码")]
Tail = Annotated[str, Query(min_length=4, max_length=40, description="统一社会信用代码或证件号码后四位")]


@router.post("/repairs", response_model=RepairOut, status_code=201, summary="提交信用修复申请")
def submit_repair(body: RepairApiIn, session: DbSession, keyring: AppKeyring, settings: AppSettings,
                  calendar: AppCalendar) -> RepairOut:
    """Checked by the rules in force today; refused with the reason (earliest date, exclusion) or stored."""
    files = service.decode_attachments(body.attachments)
    fields = RepairIn.model_validate(body.model_dump(exclude={"attachments"}))
    app = service.submit(session, keyring, settings, calendar, fields, files, actor="public:api")
    return service.view(session, app)


@router.get("/repairs/{code}", response_model=RepairOut, summary="查询信用修复申请进度")
def get_repair(session: DbSession, code: Code, tail: Tail) -> RepairOut:
    """Status, deadlines, notices and history; the ID tail must match."""
    return service.view(session, service.find_tracked(session, code, tail))
