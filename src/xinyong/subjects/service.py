"""Business rules of the subject registry (F1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

from pypinyin import Style, lazy_pinyin
from sqlalchemy.orm import Session

from xinyong import codes, masking
from xinyong.audit.service import record_event
from xinyong.crypto import Keyring
from xinyong.errors import InvalidInput
from xinyong.subjects import repository
from xinyong.subjects.errors import SubjectExists, SubjectNotFound, WrongSubjectKind
from xinyong.subjects.models import OccupationalGroup, Subject, SubjectOccupation
from xinyong.subjects.states import SubjectKind

DOCUMENT_PURPOSE = "subject.document_number"
MAX_NAME_LENGTH = 200


@cache
def _initial(char: str) -> str:
    if char.isascii():
        return char.lower() if char.isalnum() else ""
    parts = lazy_pinyin(char, style=Style.FIRST_LETTER)
    first = parts[0][:1].lower() if parts and parts[0] else ""
    return first if first.isascii() and first.isalpha() else ""


def name_initials(name: str) -> str:
    """Pinyin initials for search, one per character (cached: bulk imports name many subjects): 漳州市芗城区 → zzsxcq."""
    return "".join(map(_initial, name))[:200]


def kind_from_uscc(info: codes.UsccInfo, agency: bool = False) -> SubjectKind:
    """Derive the subject kind from a decoded 统一社会信用代码."""
    if agency or info.is_agency:
        return SubjectKind.AGENCY
    if info.code[:2] == "92":
        return SubjectKind.INDIVIDUAL_BUSINESS
    return SubjectKind.LEGAL_PERSON


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidInput("名称不能为空")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(f"名称过长：最多{MAX_NAME_LENGTH}个字符，实为{len(cleaned)}个")
    return cleaned


def register_organisation(
    session: Session,
    *,
    uscc: str,
    name: str,
    actor: str,
    agency: bool = False,
    address: str | None = None,
    registered_on: dt.date | None = None,
    lei: str | None = None,
) -> Subject:
    """Register a legal person, individual business or agency by its 统一社会信用代码."""
    info = codes.parse_uscc(uscc)
    if repository.get_by_uscc(session, info.code) is not None:
        raise SubjectExists(f"统一社会信用代码 {info.code} 已登记")
    subject = Subject(
        kind=kind_from_uscc(info, agency),
        name=_clean_name(name),
        uscc=info.code,
        lei=codes.validate_lei(lei) if lei else None,
        region_code=info.region_code,
        address=address,
        registered_on=registered_on,
        is_agency=agency or info.is_agency,
    )
    subject.name_initials = name_initials(subject.name)
    session.add(subject)
    session.flush()
    _reindex(session, subject)
    record_event(session, actor=actor, action="subject.registered", entity_type="subject", entity_id=subject.id,
                 detail={"kind": subject.kind, "uscc": subject.uscc})
    return subject


def _reindex(session: Session, subject: Subject, old: tuple[str, str, str | None] | None = None) -> None:
    from xinyong.subjects.search_terms import index_subject

    index_subject(session, subject.id, subject.name, subject.name_initials, subject.uscc, subject.kind, old=old)


def rename_organisation(session: Session, subject: Subject, name: str, *, actor: str) -> Subject:
    """Change an organisation's registered name; its search terms follow."""
    if not SubjectKind(subject.kind).is_organisation:
        raise WrongSubjectKind("只有法人、非法人组织、个体工商户或机关可以变更名称")
    old = (subject.name, subject.name_initials, subject.uscc)
    subject.name = _clean_name(name)
    subject.name_initials = name_initials(subject.name)
    session.flush()
    _reindex(session, subject, old)
    record_event(session, actor=actor, action="subject.renamed", entity_type="subject", entity_id=subject.id,
                 detail={"from": old[0], "to": subject.name})
    return subject


def register_person(
    session: Session,
    keyring: Keyring,
    *,
    name: str,
    document_type: codes.DocumentType | str,
    document_number: str,
    actor: str,
) -> Subject:
    """Register a natural person; the document number is stored only encrypted and hashed."""
    doc_type = codes.DocumentType(document_type)
    number = codes.validate_document(doc_type, document_number)
    digest = keyring.lookup_hash(number, f"{DOCUMENT_PURPOSE}:{doc_type.value}")
    if repository.get_by_document_hash(session, doc_type.value, digest) is not None:
        raise SubjectExists(f"该{doc_type.value}号码已登记")
    region = None
    if doc_type is codes.DocumentType.RESIDENT_ID:
        region = codes.parse_resident_id(number).region_code
    subject = Subject(
        kind=SubjectKind.NATURAL_PERSON,
        name=_clean_name(name),
        region_code=region,
        document_type=doc_type.value,
        document_cipher=keyring.encrypt(number, DOCUMENT_PURPOSE),
        document_hash=digest,
        document_masked=masking.mask_id_number(number),
    )
    subject.name_initials = name_initials(subject.name)
    session.add(subject)
    session.flush()
    record_event(session, actor=actor, action="subject.registered", entity_type="subject", entity_id=subject.id,
                 detail={"kind": subject.kind, "document": subject.document_masked})
    return subject


def find_person(session: Session, keyring: Keyring, document_type: str, document_number: str) -> Subject | None:
    """Look a person up by document number through the keyed hash."""
    doc_type = codes.DocumentType(document_type)
    number = codes.validate_document(doc_type, document_number)
    digest = keyring.lookup_hash(number, f"{DOCUMENT_PURPOSE}:{doc_type.value}")
    return repository.get_by_document_hash(session, doc_type.value, digest)


def reveal_document_number(keyring: Keyring, person: Subject) -> str:
    """Decrypt a person's document number, for authorised use only."""
    if person.document_cipher is None:
        raise WrongSubjectKind("该主体没有证件号码")
    return keyring.decrypt(person.document_cipher, DOCUMENT_PURPOSE)


def get_organisation(session: Session, uscc: str) -> Subject:
    """Organisation by code, or SubjectNotFound."""
    code = codes.validate_uscc(uscc)
    subject = repository.get_by_uscc(session, code)
    if subject is None:
        raise SubjectNotFound(f"未找到统一社会信用代码为 {code} 的主体")
    return subject


def set_legal_representative(session: Session, organisation: Subject, person: Subject, *, actor: str) -> None:
    """Link an organisation to the natural person who is its legal representative."""
    if not SubjectKind(organisation.kind).is_organisation:
        raise WrongSubjectKind("只有法人、非法人组织、个体工商户或机关可以登记法定代表人（负责人）")
    if person.kind != SubjectKind.NATURAL_PERSON:
        raise WrongSubjectKind("法定代表人必须是自然人")
    organisation.legal_representative_id = person.id
    session.flush()
    record_event(session, actor=actor, action="subject.legal_representative_set", entity_type="subject",
                 entity_id=organisation.id, detail={"person_id": person.id})


def tag_occupation(session: Session, person: Subject, group_code: str, *, actor: str,
                   tagged_on: dt.date | None = None) -> SubjectOccupation:
    """Tag a person with a key occupational group (重点人群)."""
    if person.kind != SubjectKind.NATURAL_PERSON:
        raise WrongSubjectKind("重点人群标签只适用于自然人")
    group = repository.get_group(session, group_code)
    if group is None:
        raise InvalidInput(f"未知的重点人群代码：{group_code}")
    if repository.has_occupation(session, person.id, group.id):
        raise SubjectExists(f"该自然人已标记为{group.name}")
    tag = SubjectOccupation(subject_id=person.id, group_id=group.id, tagged_on=tagged_on)
    session.add(tag)
    session.flush()
    record_event(session, actor=actor, action="subject.occupation_tagged", entity_type="subject",
                 entity_id=person.id, detail={"group": group.code})
    return tag


def sync_occupational_groups(session: Session, groups: Iterable[object]) -> int:
    """Insert or update the 29 groups from the shipped data file; returns how many changed."""
    changed = 0
    existing = {g.code: g for g in repository.list_groups(session)}
    for item in groups:
        row = existing.get(item.code)
        values = {"no": item.no, "name": item.name, "lead_department": item.lead_department}
        if row is None:
            session.add(OccupationalGroup(code=item.code, **values))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed += 1
    session.flush()
    return changed
