"""Screening API: POST /api/v1/screenings, a batch of subjects against the lists."""

from __future__ import annotations

from fastapi import APIRouter

from xinyong.audit.service import record_event
from xinyong.errors import InvalidInput
from xinyong.measures.service import CHECKERS, active_measures
from xinyong.screening import service
from xinyong.screening.schemas import MAX_ROWS, ScreeningIn, ScreeningOut, to_out
from xinyong.web import AppKeyring, Caller, DbSession

router = APIRouter(tags=["联合奖惩"])


DESCRIPTION = (f"每次最多 {MAX_ROWS:,} 行。先按统一社会信用代码精确比对，未命中的行再按名称比对（理解繁简、全角、地名前缀、"
               "括号城市、法律形式写法；两者都写明城市而城市不同则不算命中），名称匹配给出得分和说明。"
               "代码有误或空行只在该行报告错误，其余行照常筛查。自然人只按证件号码比对，结果脱敏。")


@router.post("/screenings", response_model=ScreeningOut, summary="批量筛查", description=DESCRIPTION)
def create_screening(body: ScreeningIn, session: DbSession, caller: Caller, keyring: AppKeyring) -> ScreeningOut:
    """Screen a batch of subjects by code, then by name, against the effective lists."""
    caller.require(*CHECKERS)
    if not body.rows:
        raise InvalidInput("rows 不能为空：请至少提交一行")
    if len(body.rows) > MAX_ROWS:
        raise InvalidInput(f"每次最多筛查 {MAX_ROWS:,} 行，本次 {len(body.rows):,} 行，请分批提交")
    measures = active_measures(session)
    rows = service.input_frame(r.model_dump() for r in body.rows)
    result = service.screen(session, rows, measures=measures, matter=body.matter.value if body.matter else None,
                            threshold=body.threshold, keyring=keyring)
    record_event(session, actor=caller.actor, action="screening.run", entity_type="screening",
                 detail={**result.summary(), "matter": result.matter, "threshold": result.threshold})
    return to_out(result, measures)
