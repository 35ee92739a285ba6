"""Public portal pages for subjects: search results and the subject page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from xinyong.errors import InvalidInput
from xinyong.subjects import profile, search
from xinyong.subjects.schemas import SearchResult
from xinyong.web import AppKeyring, AppSettings, DbSession, render

router = APIRouter(include_in_schema=False)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, session: DbSession, keyring: AppKeyring, settings: AppSettings,
                q: Annotated[str, Query(max_length=search.MAX_QUERY)] = "",
                id_part: Annotated[str, Query(max_length=8)] = "",
                page: Annotated[int, Query(ge=1, le=search.MAX_DEPTH)] = 1) -> Any:
    """Search results page: a refused query shows its reason above the form, not an error page."""
    result, problem = None, None
    if q.strip():
        try:
            result = SearchResult.of(search.search(session, keyring, q, id_part=id_part or None, page=page,
                                                   size=min(settings.search_limit, search.MAX_PAGE_SIZE)))
        except InvalidInput as exc:
            problem = exc.message
    shown = result.query if result is not None else q  # a full ID number comes back masked
    return render(request, "search.html", {"q": shown, "id_part": id_part, "result": result, "problem": problem,
                                           "max_depth": search.MAX_DEPTH}, status_code=422 if problem else 200)


@router.get("/subjects/{code}", response_class=HTMLResponse)
def subject_page(request: Request, session: DbSession, code: str) -> Any:
    """A subject's public page: basic information, list entries, records in display, objections."""
    data = profile.public_profile(session, code)
    return render(request, "subject.html", {"profile": data, "records": data.records, "list_entries": data.lists})
