"""Subject registry (F1) on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.factories import company, make_resident_id, make_uscc, person
from xinyong import codes
from xinyong.audit.models import AuditEvent
from xinyong.codes import CodeError, DocumentType
from xinyong.crypto import Keyring
from xinyong.errors import InvalidInput
from xinyong.subjects import repository, service
from xinyong.subjects.errors import SubjectExists, WrongSubjectKind
from xinyong.subjects.states import SubjectKind


def test_kind_follows_the_code(session: Session) -> None:
    assert company(session).kind == SubjectKind.LEGAL_PERSON
    assert company(session, "芗城区王记小吃店", prefix2="92").kind == SubjectKind.INDIVIDUAL_BUSINESS
    assert company(session, "漳州市某局", prefix2="11").kind == SubjectKind.AGENCY
    flagged = service.register_organisation(session, uscc=make_uscc("52"), name="某基金会", actor="t", agency=True)
    assert flagged.kind == SubjectKind.AGENCY and flagged.is_agency


def test_region_and_initials_are_derived(session: Session) -> None:
    subject = company(session, "漳州市闽兴食品有限公司")
    assert subject.region_code == "350602"
    assert subject.name_initials == "zzsmxspyxgs"
    assert [s.id for s in repository.search_public(session, "zzsmx", 10)] == [subject.id]
    assert [s.id for s in repository.search_public(session, subject.uscc, 10)] == [subject.id]
    assert [s.id for s in repository.search_public(session, "闽兴食品", 10)] == [subject.id]


def test_duplicate_organisation_is_refused(session: Session) -> None:
    code = make_uscc()
    service.register_organisation(session, uscc=code, name="甲公司", actor="t")
    with pytest.raises(SubjectExists, match=code):
        service.register_organisation(session, uscc=code, name="乙公司", actor="t")


@pytest.mark.parametrize("bad, check", [("91350602MA2Y", "length"), ("91350602MA2YIOZS12", "character")])
def test_invalid_codes_say_which_check_failed(session: Session, bad: str, check: str) -> None:
    with pytest.raises(CodeError) as info:
        service.register_organisation(session, uscc=bad, name="甲公司", actor="t")
    assert info.value.check == check


def test_bad_checksum_is_refused(session: Session) -> None:
    good = make_uscc()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(CodeError) as info:
        service.register_organisation(session, uscc=wrong, name="甲公司", actor="t")
    assert info.value.check == "checksum"


@pytest.mark.parametrize("name", ["", "   ", "名" * 201])
def test_empty_or_overlong_names_are_refused(session: Session, name: str) -> None:
    with pytest.raises(InvalidInput, match="名称"):
        service.register_organisation(session, uscc=make_uscc(), name=name, actor="t")


def test_person_number_is_encrypted_hashed_and_masked(session: Session, keyring: Keyring) -> None:
    number = make_resident_id()
    p = person(session, keyring, number=number)
    session.flush()
    assert p.document_cipher is not None and number.encode() not in p.document_cipher
    assert p.document_masked == number[:4] + "*" * 10 + number[-4:]
    assert service.reveal_document_number(keyring, p) == number
    assert service.find_person(session, keyring, DocumentType.RESIDENT_ID, number).id == p.id
    raw = session.execute(text("SELECT * FROM subject WHERE id = :id"), {"id": p.id}).one()
    assert all(number not in str(value) for value in raw)
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(p.id))).all()
    assert events and all(number not in str(e.detail) for e in events)


def test_legacy_15_digit_number_finds_the_same_person(session: Session, keyring: Keyring) -> None:
    body15 = "350602900101123"
    p = person(session, keyring, number=codes.convert_legacy_resident_id(body15))
    assert service.find_person(session, keyring, "居民身份证", body15).id == p.id


def test_duplicate_person_is_refused(session: Session, keyring: Keyring) -> None:
    number = make_resident_id()
    person(session, keyring, number=number)
    with pytest.raises(SubjectExists):
        person(session, keyring, name="李四", number=number)


def test_person_with_wrong_key_cannot_be_found(session: Session, keyring: Keyring) -> None:
    number = make_resident_id()
    person(session, keyring, number=number)
    assert service.find_person(session, Keyring.generate(), "居民身份证", number) is None


def test_legal_representative_link(session: Session, keyring: Keyring) -> None:
    org, rep = company(session), person(session, keyring)
    service.set_legal_representative(session, org, rep, actor="t")
    session.flush()
    session.expire_all()
    assert repository.get_by_uscc(session, org.uscc).legal_representative.id == rep.id
    assert [o.id for o in repository.represented_by(session, rep.id)] == [org.id]
    with pytest.raises(WrongSubjectKind):
        service.set_legal_representative(session, rep, rep, actor="t")
    with pytest.raises(WrongSubjectKind):
        service.set_legal_representative(session, org, company(session, "另一公司"), actor="t")


def test_occupational_group_tags(session: Session, keyring: Keyring) -> None:
    p = person(session, keyring)
    groups = repository.list_groups(session)
    assert len(groups) == 29 and groups[0].name == "公务员"
    lawyer = next(g for g in groups if g.name == "律师")
    assert lawyer.lead_department == "市司法局"
    tag = service.tag_occupation(session, p, lawyer.code, actor="t")
    assert tag.group.name == "律师"
    with pytest.raises(SubjectExists):
        service.tag_occupation(session, p, lawyer.code, actor="t")
    with pytest.raises(InvalidInput):
        service.tag_occupation(session, p, "no-such-group", actor="t")
    with pytest.raises(WrongSubjectKind):
        service.tag_occupation(session, company(session), lawyer.code, actor="t")


def test_public_search_never_lists_persons(session: Session, keyring: Keyring) -> None:
    person(session, keyring, name="欧阳测试")
    company(session, "欧阳测试贸易有限公司")
    hits = repository.search_public(session, "欧阳测试", 10)
    assert [h.kind for h in hits] == [SubjectKind.LEGAL_PERSON]
