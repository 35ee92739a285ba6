"""双公示 publication (F4): display periods by severity class and rule set, licences until 有效期至,
the expiry job, and the portal listings — on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_uscc
from tests.records.builders import definition, department, licence, penalty, person_id, submit
from xinyong import masking
from xinyong.catalog.definitions import DisplayRule, RecordTypeDefinition, SeverityClass
from xinyong.crypto import Keyring
from xinyong.records import publication, repository, tasks
from xinyong.records.models import ChangeEvent, CreditRecord
from xinyong.records.publication import add_months, publication_window, rule_set_on

D = dt.date


def _record(session: Session, number: str) -> CreditRecord:
    session.expire_all()
    return session.scalar(select(CreditRecord).where(CreditRecord.document_number == number,
                                                     CreditRecord.is_current.is_(True)))


# ------------------------------------------------------------------------- pure rules


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year: clamped to the month's end
    (D(2023, 1, 31), 1, D(2023, 2, 28)),
    (D(2024, 3, 31), 1, D(2024, 4, 30)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2024, 5, 15), 12, D(2025, 5, 15)),
    (D(2024, 11, 30), 3, D(2025, 2, 28)),
    (D(2024, 12, 31), 36, D(2027, 12, 31)),
    (D(2024, 6, 1), 0, D(2024, 6, 1)),
])
def test_add_months_clamps_to_the_end_of_the_month(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def test_rule_set_is_chosen_by_decision_date() -> None:
    sets = publication.rule_sets()
    assert [s.effective_on for s in sets] == sorted(s.effective_on for s in sets)
    assert all(set(s.max_months) == set(SeverityClass) for s in sets)
    old, new = rule_set_on(D(2023, 4, 30)), rule_set_on(D(2023, 5, 1))
    assert old.effective_on == D(2019, 7, 1) and new.effective_on == D(2023, 5, 1)
    assert old.max_months[SeverityClass.MINOR] == 12 and new.max_months[SeverityClass.MINOR] is None
    assert new.max_months[SeverityClass.GENERAL] == 12 and new.max_months[SeverityClass.SERIOUS] == 36
    assert rule_set_on(D(2001, 1, 1)) is sets[0]  # earlier decisions follow the oldest set
    assert rule_set_on(D(2099, 12, 31)) is sets[-1]


def test_publication_window_follows_the_rule_set_in_force_on_the_decision_date(session: Session) -> None:
    xzcf: RecordTypeDefinition = definition(session)
    # A catalogue that would show 轻微 for 3 months: the 2019 rules allow it, the 2023 rules publish nothing.
    shown = xzcf.model_copy(update={"display": {**xzcf.display, SeverityClass.MINOR: DisplayRule(max_months=3)}})
    assert publication_window(shown, SeverityClass.MINOR, D(2020, 6, 10)) == (D(2020, 6, 10), D(2020, 9, 9))
    assert publication_window(shown, SeverityClass.MINOR, D(2024, 6, 10)) is None
    # The shipped catalogue never publishes 轻微.
    assert publication_window(xzcf, SeverityClass.MINOR, D(2020, 6, 10)) is None
    assert publication_window(xzcf, SeverityClass.GENERAL, D(2024, 1, 31)) == (D(2024, 1, 31), D(2025, 1, 30))
    assert publication_window(xzcf, SeverityClass.SERIOUS, D(2024, 1, 31)) == (D(2024, 1, 31), D(2027, 1, 30))
    xzxk: RecordTypeDefinition = definition(session, "xzxk")
    assert publication_window(xzxk, SeverityClass.GENERAL, D(2024, 3, 1), D(2026, 2, 28)) == (D(2024, 3, 1), D(2026, 2, 28))


# ------------------------------------------------------------------------- through the pipeline


def test_warning_is_minor_and_never_published(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    row = penalty(dept, category="警告", CF_NR="警告", CF_NR_FK="")
    submit(session, keyring, dept, [row])
    record = _record(session, row["CF_WSH"])
    assert record.severity == "轻微"
    assert record.publish_from is None and record.publish_until is None
    assert repository.public_for_subject(session, record.subject_id, dt.date.today()) == []
    total, _ = repository.list_published(session, record.record_type_id, dt.date.today(), department_id=dept.id)
    assert total == 0


def test_fine_is_general_and_shown_twelve_months(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    row = penalty(dept, category="罚款", decided=D(2024, 1, 31), CF_YXQ="2024-12-31")
    submit(session, keyring, dept, [row], today=D(2024, 2, 2))
    record = _record(session, row["CF_WSH"])
    assert record.severity == "一般"
    assert (record.publish_from, record.publish_until) == (D(2024, 1, 31), D(2025, 1, 30))
    assert [r.id for r in repository.public_for_subject(session, record.subject_id, D(2025, 1, 30))] == [record.id]
    assert repository.public_for_subject(session, record.subject_id, D(2025, 1, 31)) == []
    assert repository.public_for_subject(session, record.subject_id, D(2024, 1, 30)) == []


@pytest.mark.parametrize("category", ["吊销许可证件", "责令停产停业", "责令关闭", "限制从业", "罚款;吊销许可证件"])
def test_revocation_of_a_licence_is_serious_and_shown_thirty_six_months(session: Session, keyring: Keyring,
                                                                        category: str) -> None:
    dept = department(session)
    row = penalty(dept, category=category, decided=D(2024, 1, 31), CF_NR_ZKDX="食品经营许可证JY13506020000001")
    submit(session, keyring, dept, [row], today=D(2024, 2, 2))
    record = _record(session, row["CF_WSH"])
    assert record.severity == "严重"
    assert (record.publish_from, record.publish_until) == (D(2024, 1, 31), D(2027, 1, 30))


def test_licence_is_shown_until_its_expiry_date(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    row = licence(dept, decided=D(2024, 3, 1), until=D(2026, 2, 28))
    long_term = licence(dept, decided=D(2024, 3, 1), until=D(2099, 12, 31))
    batch = submit(session, keyring, dept, [row, long_term], catalog="xzxk", today=D(2024, 3, 4))
    assert batch.accepted == 2
    record = _record(session, row["XK_WSH"])
    assert record.severity == "一般"
    assert (record.publish_from, record.publish_until) == (D(2024, 3, 1), D(2026, 2, 28))
    assert _record(session, long_term["XK_WSH"]).publish_until == D(2099, 12, 31)
    assert [r.id for r in repository.public_for_subject(session, record.subject_id, D(2026, 2, 28))] == [record.id]
    assert repository.public_for_subject(session, record.subject_id, D(2026, 3, 1)) == []


# ------------------------------------------------------------------------- expiry job


def _expired_events(session: Session, record_ids: set[int]) -> list[ChangeEvent]:
    return list(session.scalars(select(ChangeEvent).where(ChangeEvent.kind == "expired",
                                                          ChangeEvent.record_id.in_(record_ids))
                                .order_by(ChangeEvent.id)))


def test_expiry_takes_records_off_the_portal_once(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    decided = D(2024, 1, 10)
    general = penalty(dept, decided=decided, CF_YXQ="2024-12-31")
    serious = penalty(dept, category="吊销许可证件", decided=decided)
    minor = penalty(dept, category="警告", decided=decided)
    revoked = penalty(dept, decided=decided)
    permit = licence(dept, decided=decided, until=D(2025, 6, 30))
    submit(session, keyring, dept, [general, serious, minor, revoked], today=D(2024, 1, 12))
    submit(session, keyring, dept, [dict(revoked, CZLX="撤销")], today=D(2024, 1, 12))
    submit(session, keyring, dept, [permit], catalog="xzxk", today=D(2024, 1, 12))
    ids = {n: _record(session, row[n_key]).id for n, row, n_key in (
        ("general", general, "CF_WSH"), ("serious", serious, "CF_WSH"), ("minor", minor, "CF_WSH"),
        ("revoked", revoked, "CF_WSH"), ("permit", permit, "XK_WSH"))}
    mine = set(ids.values())
    subject = _record(session, general["CF_WSH"]).subject_id

    tasks.expire_publications(session, D(2025, 1, 9))
    assert _expired_events(session, mine) == []  # 2025-01-09 is the general record's last day
    assert [r.id for r in repository.public_for_subject(session, subject, D(2025, 1, 9))] == [ids["general"]]

    tasks.expire_publications(session, D(2025, 1, 10))
    events = _expired_events(session, mine)
    assert [(e.record_id, e.version, e.record_type_code) for e in events] == [(ids["general"], 1, "xzcf")]
    record = _record(session, general["CF_WSH"])
    assert record.expired_at is not None and record.status == "effective"
    assert repository.public_for_subject(session, subject, D(2025, 1, 10)) == []
    expired_at = record.expired_at

    # Again, the same day or later: nothing new for the general record.
    tasks.expire_publications(session, D(2025, 1, 10))
    tasks.expire_publications(session, D(2025, 7, 1))
    events = _expired_events(session, mine)
    assert sorted(e.record_id for e in events) == sorted([ids["general"], ids["permit"]])
    assert _record(session, general["CF_WSH"]).expired_at == expired_at
    tasks.expire_publications(session, D(2030, 1, 1))
    events = _expired_events(session, mine)
    assert sorted(e.record_id for e in events) == sorted([ids["general"], ids["permit"], ids["serious"]])
    assert len({e.record_id for e in events}) == len(events)  # exactly one per record
    # Never published (轻微) and revoked records do not expire.
    assert _record(session, minor["CF_WSH"]).expired_at is None
    assert _record(session, revoked["CF_WSH"]).expired_at is None
    before = session.scalar(select(func.count()).select_from(ChangeEvent))
    assert tasks.expire_publications(session, D(2030, 1, 1)) == 0
    assert session.scalar(select(func.count()).select_from(ChangeEvent)) == before


# ------------------------------------------------------------------------- portal pages


def test_publicity_listing_filters_and_masks_people(client: TestClient, session: Session, keyring: Keyring) -> None:
    dept = department(session, name="漳州市城市管理局")
    other = department(session, name="漳州市卫生健康委员会")
    company = penalty(dept, name="漳州市城南餐饮有限公司", uscc=make_uscc())
    person = penalty(dept, person_id=person_id(), name="欧阳明华", category="没收违法所得", CF_NR_WFFF="0.2")
    warning = penalty(dept, name="漳州市警示商贸有限公司", category="警告")
    elsewhere = penalty(other, name="漳州市外部医疗有限公司")
    old = penalty(dept, name="漳州市旧案商贸有限公司", decided=dt.date.today() - dt.timedelta(days=800),
                  CF_YXQ=dt.date.today().isoformat())
    submit(session, keyring, dept, [company, person, warning, old])
    submit(session, keyring, other, [elsewhere])
    session.flush()

    page = client.get("/publicity/xzcf", params={"department": dept.uscc})
    assert page.status_code == 200, page.text
    assert company["CF_WSH"] in page.text and person["CF_WSH"] in page.text
    assert masking.mask_name("欧阳明华") in page.text
    assert "欧阳明华" not in page.text
    assert person["CF_XDR_ZJHM"] not in page.text
    assert warning["CF_WSH"] not in page.text  # 轻微: not published
    assert old["CF_WSH"] not in page.text  # past its display period
    assert elsewhere["CF_WSH"] not in page.text
    assert f'/subjects/{company["CF_XDR_SHXYM"]}' in page.text
    assert "共 2 条" in page.text

    by_category = client.get("/publicity/xzcf", params={"department": dept.uscc, "category": "没收违法所得"})
    assert person["CF_WSH"] in by_category.text and company["CF_WSH"] not in by_category.text
    today = dt.date.today().isoformat()
    by_date = client.get("/publicity/xzcf", params={"department": dept.uscc, "from": today, "to": today})
    assert "共 0 条" in by_date.text
    assert client.get("/publicity/xzcf", params={"from": "2024/01/01"}).status_code == 422

    subject_page = client.get(f"/subjects/{company['CF_XDR_SHXYM']}")
    assert subject_page.status_code == 200
    assert company["CF_WSH"] in subject_page.text


def test_licence_listing_shows_the_licence(client: TestClient, session: Session, keyring: Keyring) -> None:
    dept = department(session)
    row = licence(dept, name="漳州市许可示范有限公司")
    submit(session, keyring, dept, [row], catalog="xzxk")
    session.flush()
    page = client.get("/publicity/xzxk", params={"department": dept.uscc})
    assert page.status_code == 200
    assert row["XK_WSH"] in page.text and "漳州市许可示范有限公司" in page.text and row["XK_YXQZI"] in page.text
    assert client.get("/publicity/sxbzxr").status_code == 404
