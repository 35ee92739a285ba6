"""Records API: batch submission, batch reports and the change feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from xinyong.accounts.states import Role
from xinyong.departments.service import get_department
from xinyong.records import feed, reports
from xinyong.records.batches import BatchRequest, definition_of, run_batch
from xinyong.records.readers import open_rows
from xinyong.records.schemas import BatchSummary, RecordsIn
from xinyong.records.states import Channel
from xinyong.web import AppKeyring, Caller, DbSession

router = APIRouter(tags=["信用记录归集"])
SUBMITTERS = (Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK, Role.BUSINESS_SYSTEM)


@router.post("/records", response_model=BatchSummary, summary="报送一批记录")
def submit_records(body: RecordsIn, session: DbSession, keyring: AppKeyring, caller: Caller) -> BatchSummary:
    """Validate and store a JSON batch; the whole batch commits or nothing does. Only your own department."""
    caller.require(*SUBMITTERS)
    department = get_department(session, body.department)
    caller.require_department(department.id)
    _, definition = definition_of(session, body.catalog)
    request = BatchRequest(body.catalog, department, caller, Channel.API, "api")
    batch = run_batch(session, keyring, request, open_rows(body.records, definition))
    return reports.summarise(session, batch)


@router.get("/batches/{batch_id}", response_model=BatchSummary, summary="批次汇总")
def get_batch(session: DbSession, caller: Caller, batch_id: Annotated[int, Path(ge=1)]) -> BatchSummary:
    """Summary of one of your department's batches."""
    batch = reports.get_batch(session, batch_id)
    caller.require_department(batch.department_id)
    return reports.summarise(session, batch)


@router.get("/batches/{batch_id}/errors.csv", summary="批次错误报告（CSV）",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def get_error_report(session: DbSession, caller: Caller, batch_id: Annotated[int, Path(ge=1)]) -> Response:
    """Every row problem of a batch as CSV (UTF-8 with BOM, opens in Excel)."""
    batch = reports.get_batch(session, batch_id)
    caller.require_department(batch.department_id)
    return Response(reports.error_report_csv(session, batch), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-errors.csv"'})


@router.get("/changes", response_model=feed.ChangePage, summary="变更订阅（游标分页）")
def get_changes(
    session: DbSession, caller: Caller,
    since: Annotated[int, Query(ge=0, description="上次返回的 next_cursor；首次传 0")] = 0,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_PAGE, description="每页条数")] = 100,
) -> feed.ChangePage:
    """Append-only feed of accepted, updated, revoked and expired records, oldest first."""
    caller.require(Role.CREDIT_OFFICE_ADMIN, Role.BUSINESS_SYSTEM)
    return feed.changes_since(session, since, limit)
