"""Public portal pages for subjects: search results and the subject page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from xinyong.records import repository as records_repository
from xinyong.records.service import to_public
from xinyong.subjects import repository, service
from xinyong.subjects.schemas import SubjectProfile, SubjectSummary
from xinyong.web import AppSettings, DbSession, render

router = APIRouter(include_in_schema=False)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, session: DbSession, settings: AppSettings,
                q: Annotated[str, Query(max_length=100)] = "") -> Any:
    """Search results page."""
    hits = repository.search_public(session, q, settings.search_limit) if q.strip() else []
    return render(request, "search.html", {"q": q, "results": [SubjectSummary.of(s) for s in hits]})


@router.get("/subjects/{code}", response_class=HTMLResponse)
def subject_page(request: Request, session: DbSession, code: str) -> Any:
    """A subject's public page: basic information and public records."""
    subject = service.get_organisation(session, code)
    records = [to_public(r) for r in records_repository.public_for_subject(session, subject.id, dt.date.today())]
    return render(request, "subject.html", {"profile": SubjectProfile.of(subject), "records": records})
