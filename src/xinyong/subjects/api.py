"""Public subject API: profile and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from xinyong.subjects import repository, service
from xinyong.subjects.schemas import SearchResult, SubjectProfile, SubjectSummary
from xinyong.web import AppSettings, DbSession

router = APIRouter(tags=["主体"])


@router.get("/subjects/{code}", response_model=SubjectProfile, summary="主体基本信息")
def get_subject(
    session: DbSession,
    code: Annotated[str, Path(description="统一社会信用代码（18位）", min_length=1, max_length=40)],
) -> SubjectProfile:
    """Public basic information of an organisation, individual business or agency (personal data masked)."""
    return SubjectProfile.of(service.get_organisation(session, code))


@router.get("/search", response_model=SearchResult, summary="公开查询")
def search(
    session: DbSession,
    settings: AppSettings,
    q: Annotated[str, Query(description="名称、名称拼音首字母或统一社会信用代码", min_length=1, max_length=100)],
) -> SearchResult:
    """Search organisations by name, pinyin initials or code; natural persons are never listed."""
    hits = repository.search_public(session, q, settings.search_limit)
    return SearchResult(query=q, total=len(hits), results=[SubjectSummary.of(s) for s in hits])
