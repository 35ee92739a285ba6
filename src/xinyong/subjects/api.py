"""Public subject API: profile and search."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import Field

from xinyong.lists import publication as lists_publication
from xinyong.lists import views as lists_views
from xinyong.subjects import repository, service
from xinyong.subjects.schemas import SearchResult, SubjectProfile, SubjectSummary
from xinyong.web import AppSettings, DbSession

router = APIRouter(tags=["主体"])


class SubjectProfileOut(SubjectProfile):
    """Profile with the subject's current public list entries."""

    lists: list[lists_views.PublicEntryOut] = Field(default_factory=list, description="在有效期内公示的信用名单条目")


@router.get("/subjects/{code}", response_model=SubjectProfileOut, summary="主体基本信息")
def get_subject(
    session: DbSession,
    code: Annotated[str, Path(description="统一社会信用代码（18位）", min_length=1, max_length=40)],
) -> SubjectProfileOut:
    """Public basic information of an organisation, individual business or agency (personal data masked)."""
    subject = service.get_organisation(session, code)
    entries = lists_publication.public_entries_of_subject(session, subject.id, dt.date.today())
    return SubjectProfileOut(**SubjectProfile.of(subject).model_dump(),
                             lists=lists_views.public_entries(session, entries))


@router.get("/search", response_model=SearchResult, summary="公开查询")
def search(
    session: DbSession,
    settings: AppSettings,
    q: Annotated[str, Query(description="名称、名称拼音首字母或统一社会信用代码", min_length=1, max_length=100)],
) -> SearchResult:
    """Search organisations by name, pinyin initials or code; natural persons are never listed."""
    hits = repository.search_public(session, q, settings.search_limit)
    return SearchResult(query=q, total=len(hits), results=[SubjectSummary.of(s) for s in hits])
