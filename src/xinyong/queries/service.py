"""Authorised queries (授权查询, F9/F15): who may see a person's full record, for what, on what authority."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.accounts.service import Principal
from xinyong.audit.service import record_event
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.errors import InvalidInput
from xinyong.queries import definitions, repository
from xinyong.queries.delivery import CodeSender
from xinyong.queries.errors import CodeRejected, MissingAuthorisation, PersonNotFound, PurposeNotAllowed
from xinyong.queries.models import OneTimeCode, PersonContact, QueryLog
from xinyong.queries.schemas import (
    FullListItem,
    FullRecordItem,
    FullRecordOut,
    OrganisationOut,
    PersonOut,
)
from xinyong.queries.states import AuthorisationKind, QueryChannel
from xinyong.records.service import summary_of
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject

CONTACT_PURPOSE = "person_contact.phone"
CODE_PURPOSE = "one_time_code"
MAX_ATTEMPTS = 5
SELF_PURPOSE = "self"
_PHONE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Asker:
    """Who asks, as the query log records them."""

    channel: QueryChannel
    actor: str
    name: str
    role: str
    department_id: int | None = None
    client_ip: str | None = None


def set_contact(session: Session, keyring: Keyring, person: Subject, phone: str, *, actor: str) -> PersonContact:
    """Put a mobile number on file for one-time codes (encrypted, masked for display)."""
    number = "".join(phone.split())
    if not _PHONE.fullmatch(number):
        raise InvalidInput("手机号码应为11位数字，以1开头")
    contact = repository.contact_of(session, person.id) or PersonContact(subject_id=person.id)
    contact.phone_cipher = keyring.encrypt(number, CONTACT_PURPOSE)
    contact.phone_masked = masking.mask_phone(number)
    session.add(contact)
    session.flush()
    record_event(session, actor=actor, action="person.contact_set", entity_type="subject", entity_id=person.id,
                 detail={"phone": contact.phone_masked})
    return contact


def _person(session: Session, keyring: Keyring, document_type: str, number: str) -> Subject | None:
    return subjects.find_person(session, keyring, document_type, number)


def _authorisation(kind: str, reference: str) -> tuple[AuthorisationKind, str]:
    text = " ".join((reference or "").split())
    try:
        parsed = AuthorisationKind(kind)
    except ValueError:
        parsed = None
    if parsed not in (AuthorisationKind.CONSENT, AuthorisationKind.LEGAL_BASIS):
        raise MissingAuthorisation("须说明授权依据类别：consent（本人书面授权）或 legal_basis（法律法规依据）")
    if len(text) < 4:
        raise MissingAuthorisation("须提供授权依据：本人书面授权编号，或所依据的法律法规名称及条款（至少4个字符）")
    return parsed, text


def authorised_query(session: Session, keyring: Keyring, principal: Principal, *, document_type: str,
                     document_number: str, purpose: str, authorisation_kind: str, authorisation_ref: str,
                     client_ip: str | None = None) -> FullRecordOut:
    """An official's query of a person's full record: role, purpose and authorisation checked, then logged."""
    chosen = definitions.purpose(purpose)
    if principal.role not in chosen.roles:
        allowed = "、".join(r.label for r in chosen.roles)
        raise PurposeNotAllowed(f"当前角色（{principal.role.label}）不能以“{chosen.name}”用途查询个人信用信息；"
                                f"该用途限于：{allowed}")
    kind, reference = _authorisation(authorisation_kind, authorisation_ref)
    person = _person(session, keyring, document_type, document_number)
    if person is None:
        raise PersonNotFound("未找到该证件号码对应的自然人")
    asker = Asker(QueryChannel.AUTHORISED, principal.actor, principal.name, principal.role.value,
                  principal.department_id, client_ip)
    return _answer(session, person, asker, chosen.code, kind, reference)


def request_code(session: Session, keyring: Keyring, sender: CodeSender, *, document_type: str,
                 document_number: str, minutes: int, platform: str, now: dt.datetime | None = None) -> bool:
    """Send a one-time code to the person's contact on file; False (told to nobody) when there is none."""
    now = now or utcnow()
    person = _person(session, keyring, document_type, document_number)
    contact = repository.contact_of(session, person.id) if person is not None else None
    if person is None or contact is None:
        return False
    repository.retire_codes(session, person.id, now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(OneTimeCode(subject_id=person.id, code_hash=_code_hash(keyring, person.id, code),
                            sent_to=contact.phone_masked, created_at=now, expires_at=now + dt.timedelta(minutes=minutes)))
    session.flush()
    phone = keyring.decrypt(contact.phone_cipher, CONTACT_PURPOSE)
    sender.send(phone, f"【{platform}】您查询本人信用信息的验证码为{code}，{minutes}分钟内有效，仅可使用一次。"
                       "如非本人操作，请忽略。")
    return True


def _code_hash(keyring: Keyring, subject_id: int, code: str) -> str:
    return keyring.lookup_hash(code, f"{CODE_PURPOSE}:{subject_id}")


def self_query(session: Session, keyring: Keyring, *, document_type: str, document_number: str, code: str,
               client_ip: str | None = None, now: dt.datetime | None = None) -> FullRecordOut:
    """A person's own full record, with the newest one-time code; the code then stops working.

    A wrong code is counted (flushed) before CodeRejected is raised: the caller commits the count.
    """
    now = now or utcnow()
    person = _person(session, keyring, document_type, document_number)
    otp = repository.latest_code(session, person.id) if person is not None else None
    if person is None or otp is None:
        raise CodeRejected("验证码错误或未获取，请先获取验证码")
    if otp.used_at is not None:
        raise CodeRejected("验证码已使用，每个验证码只能使用一次，请重新获取")
    if otp.expires_at <= now:
        raise CodeRejected("验证码已过期，请重新获取")
    if otp.attempts >= MAX_ATTEMPTS:
        raise CodeRejected("验证码错误次数过多，已失效，请重新获取")
    given = "".join((code or "").split())
    if not secrets.compare_digest(_code_hash(keyring, person.id, given).encode(), otp.code_hash.encode()):
        otp.attempts += 1
        session.flush()
        raise CodeRejected(f"验证码错误（还可尝试{MAX_ATTEMPTS - otp.attempts}次）")
    otp.used_at = now
    asker = Asker(QueryChannel.SELF, f"self:{person.id}", "本人", "self", None, client_ip)
    return _answer(session, person, asker, SELF_PURPOSE, AuthorisationKind.SELF, f"本人验证码（发送至{otp.sent_to}）")


def _answer(session: Session, person: Subject, asker: Asker, purpose: str, kind: AuthorisationKind,
            reference: str) -> FullRecordOut:
    """Build the full record, log the query with a digest of what was returned, and audit it."""
    today = dt.date.today()
    records = [FullRecordItem(
        type_name=r.record_type.name, document_number=r.document_number, decision_on=r.decision_on,
        department=r.department.name, summary=summary_of(r), severity=r.severity, status=str(r.status.value),
        in_display=bool(r.publish_from and r.publish_until and r.publish_from <= today <= r.publish_until
                        and r.withdrawn_at is None)) for r in repository.current_records(session, person.id)]
    entries = [FullListItem(list_type_name=e.list_type.name, kind=str(e.list_type.kind.value), status=str(e.status.value),
                            valid_from=e.valid_from, valid_until=e.valid_until, facts=e.facts)
               for e in repository.list_entries(session, person.id)]
    orgs = [OrganisationOut(name=o.name, uscc=o.uscc) for o in repository.represented(session, person.id)]
    who = PersonOut(name=person.name, kind=str(person.kind.value), document_type=person.document_type,
                    document=person.document_masked, region_code=person.region_code)
    content = {"person": who.model_dump(mode="json"), "records": [r.model_dump(mode="json") for r in records],
               "list_entries": [e.model_dump(mode="json") for e in entries],
               "organisations": [o.model_dump(mode="json") for o in orgs]}
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    summary = {"records": len(records), "list_entries": len(entries), "organisations": len(orgs)}
    log = QueryLog(channel=asker.channel, actor=asker.actor, actor_name=asker.name[:100], actor_role=asker.role,
                   department_id=asker.department_id, subject_id=person.id, purpose=purpose,
                   authorisation_kind=kind.value, authorisation_ref=reference[:200], result_digest=digest,
                   result_summary=summary, client_ip=asker.client_ip)
    session.add(log)
    session.flush()
    record_event(session, actor=asker.actor, action=f"query.{asker.channel.value}", entity_type="subject",
                 entity_id=person.id, detail={"query_log_id": log.id, "purpose": purpose,
                                              "authorisation": kind.value, "digest": digest, **summary})
    return FullRecordOut(query_id=log.id, queried_at=log.queried_at, purpose=purpose, person=who, records=records,
                         list_entries=entries, represented_organisations=orgs, digest=digest)
