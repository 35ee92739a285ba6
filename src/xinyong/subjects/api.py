"""Public subject API: profile and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from xinyong.subjects import profile, search
from xinyong.subjects.schemas import SearchResult, SubjectProfileOut
from xinyong.web import (
    ERROR_RESPONSES,
    AppKeyring,
    AppSettings,
    DbSession,
    in_unit_of_work,
    principal_from_request,
)

router = APIRouter(tags=["主体"])
# The profile is the public's hot path (bench/profile.py): its whole request runs in one worker thread,
# with a presented API key checked inside that unit of work (as the check API does), not in dependencies.
profile_router = APIRouter(tags=["主体"], responses=ERROR_RESPONSES)


@profile_router.get("/subjects/{code}", response_model=SubjectProfileOut, summary="主体信用信息")
async def get_subject(
    request: Request,
    code: Annotated[str, Path(description="统一社会信用代码（18位）", min_length=1, max_length=40)],
) -> Response:
    """Public profile of an organisation, individual business or agency: basic information, records in
    display, live list entries, commitments and what is under objection (personal data masked)."""

    def work(session: Session) -> str:
        principal_from_request(request, session)  # a revoked key is refused here too, not ignored
        return profile.public_profile(session, code).model_dump_json()

    # Already a SubjectProfileOut: serialised once here instead of re-validated by the response model.
    return Response(await in_unit_of_work(request, work, read_only=True), media_type="application/json")


@router.get("/search", response_model=SearchResult, summary="公开查询")
def search_subjects(
    session: DbSession,
    keyring: AppKeyring,
    settings: AppSettings,
    q: Annotated[str, Query(description="名称（全称或部分）、名称拼音首字母、统一社会信用代码（全部或前几位）、"
                                        "决定文书号，或自然人完整身份证号码", max_length=search.MAX_QUERY)] = "",
    id_part: Annotated[str | None, Query(description="查询自然人时：证件号码前4位、后4位或前4位加后4位，q 填完整姓名",
                                         max_length=8)] = None,
    page: Annotated[int, Query(description=f"页码；页码×每页条数不超过{search.MAX_DEPTH}", ge=1, le=search.MAX_DEPTH)] = 1,
    size: Annotated[int | None, Query(description="每页条数，默认 XINYONG_SEARCH_LIMIT（20）", ge=1,
                                      le=search.MAX_PAGE_SIZE)] = None,
) -> SearchResult:
    """Ranked search: exact code or 决定文书号 first, then name, pinyin-initials or code prefix, then names
    containing the query. Natural persons only by full ID number, or full name plus part of the ID; masked."""
    return SearchResult.of(search.search(session, keyring, q, id_part=id_part, page=page,
                                         size=size or settings.search_limit))
