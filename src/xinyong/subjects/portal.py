"""Public portal pages for subjects: search results and the subject page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from xinyong.lists import publication as lists_publication
from xinyong.lists import views as lists_views
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
    """A subject's public page: basic information, current list entries and public records."""
    subject = service.get_organisation(session, code)
    today = dt.date.today()
    records = [to_public(r) for r in records_repository.public_for_subject(session, subject.id, today)]
    entries = lists_views.public_entries(session, lists_publication.public_entries_of_subject(session, subject.id, today))
    return render(request, "subject.html", {"profile": SubjectProfile.of(subject), "records": records,
                                            "list_entries": entries})
