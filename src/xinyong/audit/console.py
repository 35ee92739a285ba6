"""Console page of the audit trail: browse and filter events, check the chain (credit office admin only)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from xinyong.accounts.service import principal_for_user
from xinyong.accounts.states import Role
from xinyong.audit import repository
from xinyong.audit.service import verify_chain
from xinyong.errors import InvalidInput
from xinyong.reports.content import BEIJING
from xinyong.web import DbSession, current_login, render

router = APIRouter(prefix="/console/audit", include_in_schema=False)
PAGE_SIZE = 50


def _date(text: str, label: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"{label}应为 YYYY-MM-DD 格式的日期") from exc


def _detail(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else "—"


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


@router.get("", response_class=HTMLResponse)
def audit_page(
    request: Request, session: DbSession,
    actor: Annotated[str, Query(max_length=64)] = "", action: Annotated[str, Query(max_length=64)] = "",
    entity_type: Annotated[str, Query(max_length=64)] = "", entity_id: Annotated[str, Query(max_length=64)] = "",
    date_from: Annotated[str, Query(max_length=10)] = "", date_to: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1, verify: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Any:
    """Events newest first with filters and pages; `verify=1` walks the whole chain and shows the outcome."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    principal_for_user(login.user).require(Role.CREDIT_OFFICE_ADMIN)
    filters = {"actor": actor.strip(), "action": action.strip(), "entity_type": entity_type.strip(),
               "entity_id": entity_id.strip(), "date_from": date_from.strip(), "date_to": date_to.strip()}
    event_filter = repository.EventFilter(
        actor=filters["actor"] or None, action=filters["action"] or None, entity_type=filters["entity_type"] or None,
        entity_id=filters["entity_id"] or None, date_from=_date(date_from, "起始日期"), date_to=_date(date_to, "截止日期"),
    )
    total, events = repository.page(session, event_filter, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "console_audit.html", {
        "user": login.user, "events": events, "total": total, "page": page, "pages": pages, "filters": filters,
        "query": query, "entity_types": repository.entity_types(session), "local": _local, "detail": _detail,
        "chain": verify_chain(session) if verify else None,
    })
