"""Public search (F9): ranked, paginated, depth-limited; persons only by full ID or name + partial ID."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from xinyong import codes, masking
from xinyong.crypto import Keyring
from xinyong.errors import InvalidInput
from xinyong.subjects import search_repository as repo
from xinyong.subjects.search_terms import TERM_CHARS, normalise

MIN_QUERY = 2
MAX_QUERY = 100
MAX_DEPTH = 500  # page × size: result pages cannot be walked to copy the registry (seed 004 三)
MAX_PAGE_SIZE = 50
RANK_EXACT, RANK_PREFIX, RANK_CONTAINS = 0, 1, 2
MATCH_CODE, MATCH_NAME, MATCH_PINYIN, MATCH_DOCUMENT, MATCH_PERSON = (
    "统一社会信用代码", "名称", "拼音首字母", "决定文书号", "证件号码")
_ID_PART = re.compile(r"[0-9Xx]{4}|[0-9Xx]{8}")


class SearchTooDeep(InvalidInput):
    """Asked for a result page beyond the depth limit."""

    code = "search_too_deep"


@dataclass
class Hit:
    """One ranked result before it is rendered."""

    subject: Any  # a Subject, or a row of its summary columns (search_repository.SUMMARY_COLUMNS)
    rank: int
    match: str
    lists: list[str] = field(default_factory=list)


@dataclass
class SearchPage:
    """One page of ranked results."""

    query: str
    page: int
    size: int
    total: int
    capped: bool
    hits: list[Hit]


def clean_query(q: str | None) -> str:
    """The query as typed, trimmed; refused when empty, 1 character or too long."""
    text = " ".join((q or "").split())
    if not text:
        raise InvalidInput("请输入查询内容：名称、拼音首字母、统一社会信用代码或决定文书号")
    if len(normalise(text)) < MIN_QUERY:
        raise InvalidInput(f"查询内容至少{MIN_QUERY}个字符，请输入更完整的名称或代码")
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"查询内容过长：最多{MAX_QUERY}个字符")
    return text


def check_depth(page: int, size: int) -> None:
    """Refuse pages past the depth limit with a clear message."""
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"页码从1开始，每页1至{MAX_PAGE_SIZE}条")
    if page * size > MAX_DEPTH:
        raise SearchTooDeep(f"最多浏览前{MAX_DEPTH}条结果（第{MAX_DEPTH // size}页），请输入更完整的名称或代码缩小范围")


def _ranked_ids(session: Session, q: str, day: dt.date) -> list[tuple[int, int]]:
    """(rank, subject_id) in rank order, at most MAX_DEPTH + 1, from range scans on the search table."""
    key = normalise(q)
    cap = repo.CAP
    found: dict[int, int] = {}

    def add(rank: int, ids: list[int]) -> None:
        for sid in ids:
            found.setdefault(sid, rank)

    upper = key.upper()
    if key.isascii() and key.isalnum():
        add(RANK_EXACT, repo.terms_equal(session, "c", upper))
    docs = repo.terms_equal(session, "d", key[:48])
    add(RANK_EXACT, sorted(repo.published_document_subjects(session, docs, key, day)))
    if key.isascii() and key.isalnum():
        add(RANK_PREFIX, [sid for _t, sid in repo.terms_starting_with(session, "c", upper)])
    head = key[:TERM_CHARS]
    for rank, kind in ((RANK_PREFIX, "p"), (RANK_CONTAINS, "n")):
        terms = repo.terms_starting_with(session, kind, head)
        # Shorter terms first: the match covers more of the name (the closest names lead).
        ids = [sid for _t, sid in sorted(terms, key=lambda t: (len(t[0]), t[0], t[1]))]
        if len(key) > TERM_CHARS:  # a term holds 16 characters: check the rest on the name itself
            names = repo.names_of(session, ids)
            ids = [sid for sid in ids if key in normalise(names.get(sid, ""))]
        add(rank, ids)
        if len(found) >= cap:
            break
    return sorted(((rank, sid) for sid, rank in found.items()), key=lambda p: p[0])[:cap]


def _match(q: str, subject: Any) -> str:
    key = normalise(q)
    if subject.uscc and subject.uscc.startswith(key.upper()):
        return MATCH_CODE
    if key in normalise(subject.name):
        return MATCH_NAME
    if key in (subject.name_initials or ""):
        return MATCH_PINYIN
    return MATCH_DOCUMENT


def search(session: Session, keyring: Keyring, q: str | None, *, id_part: str | None = None, page: int = 1,
           size: int = 20, day: dt.date | None = None) -> SearchPage:
    """Ranked public search: exact code or 决定文书号, then name/initials/code prefix, then contains."""
    text = clean_query(q)
    check_depth(page, size)
    day = day or dt.date.today()
    persons = _persons(session, keyring, text, id_part)
    if persons is not None:
        hits = [Hit(p, RANK_EXACT, MATCH_PERSON) for p in persons]
        shown = text if id_part else masking.mask_id_number(text)  # never echo a full ID number back
        return _page(session, shown, page, size, hits, day)
    ranked = _ranked_ids(session, text, day)
    capped = len(ranked) > MAX_DEPTH
    ranked = ranked[:MAX_DEPTH]
    window = ranked[(page - 1) * size:page * size]
    subjects = repo.subjects_by_id(session, [sid for _r, sid in window])
    hits = [Hit(subjects[sid], rank, _match(text, subjects[sid])) for rank, sid in window if sid in subjects]
    _badges(session, hits, day)
    return SearchPage(text, page, size, len(ranked), capped, hits)


def _page(session: Session, text: str, page: int, size: int, hits: list[Hit], day: dt.date) -> SearchPage:
    window = hits[(page - 1) * size:page * size]
    _badges(session, window, day)
    return SearchPage(text, page, size, len(hits), False, window)


def _badges(session: Session, hits: list[Hit], day: dt.date) -> None:
    kinds = repo.live_list_kinds(session, [h.subject.id for h in hits], day)
    for hit in hits:
        hit.lists = sorted(kinds.get(hit.subject.id, ()))


def _persons(session: Session, keyring: Keyring, text: str, id_part: str | None) -> list[Any] | None:
    """Persons for a full ID number, or for a full name with part of the ID; None when the query is neither."""
    compact = text.replace(" ", "").upper()
    if len(compact) == 18 and compact[:17].isdigit():
        try:
            number = codes.validate_resident_id(compact)
        except codes.CodeError:
            return None
        from xinyong.subjects.service import find_person

        person = find_person(session, keyring, codes.DocumentType.RESIDENT_ID.value, number)
        return [person] if person is not None else None  # not a registered person: maybe a code
    part = (id_part or "").strip().upper()
    if not part:
        return None
    if not _ID_PART.fullmatch(part):
        raise InvalidInput("证件号码片段应为前4位、后4位或前4位加后4位（共8位）")
    found = []
    for person in repo.persons_named(session, text, MAX_DEPTH):
        masked = person.document_masked or ""
        head, tail = masked[:4], masked[-4:]
        if part in (head, tail, head + tail):
            found.append(person)
    return found
