"""Public portal pages that belong to no single domain: home."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from xinyong.records import repository as records_repository
from xinyong.subjects import repository as subjects_repository
from xinyong.web import DbSession, render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DbSession) -> Any:
    """Home page with the search box and headline counts."""
    return render(request, "home.html", {
        "subject_counts": subjects_repository.count_by_kind(session),
        "record_counts": records_repository.count_published_by_type(session, dt.date.today()),
    })
