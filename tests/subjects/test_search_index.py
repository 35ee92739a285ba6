"""The search table: index use (EXPLAIN) on both databases, and how it is kept filled."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from tests.factories import company, make_uscc
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.subjects import search, search_terms, service
from xinyong.subjects import search_repository as repo
from xinyong.subjects.models import Subject
from xinyong.subjects.search_models import SubjectSearchTerm


def plan(session: Session, stmt: object) -> str:
    """The database's plan for a statement, as one text."""
    bind = session.get_bind()
    sql = str(stmt.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
    if bind.dialect.name == "sqlite":
        return "\n".join(str(row[-1]) for row in session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    # Test tables are tiny, where a sequential scan is cheapest: forbid it, so a plan without an index
    # could only come out as a Seq Scan anyway (the index being unusable).
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in session.execute(text("EXPLAIN " + sql)))


def terms_of(session: Session, subject_id: int) -> set[tuple[str, str]]:
    return {(k, t) for k, t in session.execute(select(SubjectSearchTerm.kind, SubjectSearchTerm.term)
                                               .where(SubjectSearchTerm.subject_id == subject_id))}


def test_name_prefix_and_contains_searches_use_the_index(session: Session) -> None:
    company(session, "漳州鑫达贸易有限公司")
    session.flush()
    for kind, q in (("p", "漳州鑫达"), ("n", "鑫达"), ("p", "zzxd"), ("c", "91350602")):
        found = plan(session, repo.starting_with(kind, q))
        assert "subject_search_term" in found, found
        if session.get_bind().dialect.name == "sqlite":
            assert "SEARCH subject_search_term USING PRIMARY KEY (kind=? AND term>? AND term<?)" in found, found
            assert "TEMP B-TREE" not in found, found  # rows come in index order: no sort before the LIMIT
        else:
            assert "Index" in found and "pk_subject_search_term" in found and "Seq Scan" not in found, found
            assert "Sort" not in found, found


def test_terms_are_suffixes_without_the_legal_form(session: Session) -> None:
    org = company(session, "漳州鑫达贸易有限公司")
    session.flush()
    terms = terms_of(session, org.id)
    assert ("p", "漳州鑫达贸易有限公司") in terms and ("n", "鑫达贸易有限公司") in terms
    assert ("p", "zzxdmyyxgs") in terms and ("n", "xdmyyxgs") in terms and ("c", org.uscc) in terms
    assert not any(t.startswith(("有限", "限公", "公司")) for _k, t in terms)
    assert search_terms.normalise(" 漳州（集团） ") == "漳州(集团)"


def test_persons_are_never_in_the_search_table(session: Session, keyring: Keyring) -> None:
    from tests.factories import person

    who = person(session, keyring, name="李四光明")
    session.flush()
    assert terms_of(session, who.id) == set()


def test_rename_moves_the_terms(session: Session, keyring: Keyring) -> None:
    org = company(session, "漳州旧名称测试有限公司")
    service.rename_organisation(session, org, "漳州新名称测试有限公司", actor="test")
    assert search.search(session, keyring, "旧名称").total == 0
    assert [h.subject.id for h in search.search(session, keyring, "新名称").hits] == [org.id]
    assert [h.subject.id for h in search.search(session, keyring, "zzxmc").hits] == [org.id]


def bulk_subjects(session: Session, n: int, stem: str) -> list[int]:
    """Insert organisations the way bulk paths do (no ORM objects), with their search terms."""
    now, first = utcnow(), (session.scalar(select(func.max(Subject.id))) or 0) + 1
    rows = [{"id": first + i, "kind": "法人及非法人组织", "name": f"{stem}{i:04d}有限公司", "name_initials": "",
             "uscc": make_uscc(), "is_agency": False, "created_at": now, "updated_at": now} for i in range(n)]
    session.execute(insert(Subject.__table__), rows)
    search_terms.write_terms(session, search_terms.rows_of(
        (r["id"], r["name"], service.name_initials(r["name"]), r["uscc"], r["kind"]) for r in rows))
    return [r["id"] for r in rows]


def test_more_matches_than_the_depth_are_capped(session: Session, keyring: Keyring) -> None:
    bulk_subjects(session, search.MAX_DEPTH + 20, "深度上限测试")
    first = search.search(session, keyring, "深度上限", size=50)
    assert first.total == search.MAX_DEPTH and first.capped and len(first.hits) == 50
    last = search.search(session, keyring, "深度上限", page=10, size=50)
    assert len(last.hits) == 50 and not {h.subject.id for h in last.hits} & {h.subject.id for h in first.hits}


def test_backfill_rebuilds_the_table(session: Session, keyring: Keyring) -> None:
    ids = bulk_subjects(session, 30, "回填测试")
    session.execute(delete(SubjectSearchTerm))
    assert search.search(session, keyring, "回填测试").total == 0
    written = search_terms.backfill(session)
    again = search_terms.backfill(session)
    assert written == again > 0
    assert {h.subject.id for h in search.search(session, keyring, "回填测试", size=50).hits} == set(ids)


def test_demo_subjects_are_searchable(session: Session, keyring: Keyring) -> None:
    from xinyong.demo.service import generate_demo

    generate_demo(session, keyring, subjects=40, seed=7)
    org = session.scalars(select(Subject).where(Subject.uscc.is_not(None), Subject.kind == "法人及非法人组织")
                          .order_by(Subject.id.desc())).first()
    hits = search.search(session, keyring, org.name_initials[:6], size=50).hits
    assert org.id in [h.subject.id for h in hits]
    assert org.id in [h.subject.id for h in search.search(session, keyring, org.name).hits]
