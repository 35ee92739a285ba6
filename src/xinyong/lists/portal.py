"""Public list pages: publications per kind, type and domain, entry detail, exit announcements."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from xinyong.departments.models import Department
from xinyong.errors import NotFound
from xinyong.lists import publication, views
from xinyong.lists.definitions import Domain, ListKind
from xinyong.web import DbSession, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
KIND_NOTES = {
    ListKind.RED: "守信激励对象，依法依规享受便利和优惠措施。",
    ListKind.BLACK: "严重失信主体，依法依规实施联合惩戒。",
    ListKind.WATCH: "重点关注对象，加强监管、提高检查频次。",
    ListKind.WARNING: "在多个重点领域被列入重点关注名单的主体，由平台自动转入，作信用预警提示。",
}


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


@router.get("/lists", response_class=HTMLResponse)
def lists_page(
    request: Request, session: DbSession,
    kind: Annotated[str, Query(max_length=20)] = "", type: Annotated[str, Query(max_length=32)] = "",
    domain: Annotated[str, Query(max_length=20)] = "", q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Any:
    """Published entries with kind tabs, type and domain filters and a name or code search."""
    today = dt.date.today()
    chosen_kind, chosen_domain = publication.parse_kind(kind), publication.parse_domain(domain)
    total, rows = publication.list_public(session, today, kind=chosen_kind, type_code=type.strip() or None,
                                          domain=chosen_domain, q=q, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    counts = publication.count_public_by_kind(session, today)
    published_kinds = {t.kind for t in publication.public_types(session)}
    tabs = [{"slug": publication.SLUG_OF_KIND[k], "name": k.value, "count": counts[k]} for k in ListKind
            if k in published_kinds]
    return render(request, "lists.html", {
        "rows": views.public_entries(session, rows), "total": total, "page": page, "pages": _pages(total),
        "tabs": tabs, "all_count": sum(counts.values()), "kind": chosen_kind,
        "kind_note": KIND_NOTES.get(chosen_kind) if chosen_kind else None,
        "types": publication.public_types(session, chosen_kind), "domains": list(Domain),
        "filters": {"kind": publication.SLUG_OF_KIND[chosen_kind] if chosen_kind else "", "type": type,
                    "domain": chosen_domain.value if chosen_domain else "", "q": q},
    })


@router.get("/lists/types", response_class=HTMLResponse)
def types_page(request: Request, session: DbSession) -> Any:
    """Every list type's legal basis, criteria, validity and exit conditions (认定标准公开, 国办发〔2020〕49号)."""
    from xinyong.lists import repository
    from xinyong.lists.service import definition_of

    types = [definition_of(t) for t in repository.list_types(session)]
    groups = [(kind, KIND_NOTES[kind], [t for t in types if t.kind is kind]) for kind in ListKind]
    return render(request, "lists_types.html", {"groups": [g for g in groups if g[2]]})


@router.get("/lists/entries/{entry_id}", response_class=HTMLResponse)
def entry_page(request: Request, session: DbSession, entry_id: Annotated[int, Path(ge=1)]) -> Any:
    """Public detail of one published entry."""
    entry = publication.public_entry(session, entry_id, dt.date.today())
    if entry is None:
        raise NotFound("该名单信息不存在，或已退出名单、超过有效期而停止公示")
    department = session.get(Department, entry.department_id)
    item = views.PublicEntryOut.of(entry, department.name if department else "")
    return render(request, "lists_entry.html", {"entry": item, "definition": entry.list_type.definition,
                                                "kind_slug": publication.SLUG_OF_KIND[entry.list_type.kind]})


@router.get("/lists/announcements", response_class=HTMLResponse)
def announcements_page(request: Request, session: DbSession,
                       page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Any:
    """Exit announcements (退出公告), newest first."""
    total, rows = publication.list_announcements(session, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render(request, "lists_announcements.html", {
        "rows": views.announcements(session, rows), "total": total, "page": page, "pages": _pages(total)})


@router.get("/lists/announcements/{announcement_id}", response_class=HTMLResponse)
def announcement_page(request: Request, session: DbSession,
                      announcement_id: Annotated[int, Path(ge=1)]) -> Any:
    """One exit announcement."""
    found = publication.public_announcement(session, announcement_id)
    if found is None:
        raise NotFound(f"退出公告 {announcement_id} 不存在")
    return render(request, "lists_announcement.html", {"item": views.announcements(session, [found])[0]})
