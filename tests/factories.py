"""Valid codes and subjects for tests, computed with the project's own check functions."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from xinyong import codes
from xinyong.crypto import Keyring
from xinyong.demo.generator import org_code_check
from xinyong.subjects import service
from xinyong.subjects.models import Subject

_serial = itertools.count(1)


def make_uscc(prefix2: str = "91", region: str = "350602") -> str:
    """A fresh valid 统一社会信用代码."""
    body8 = f"T{next(_serial):07d}"
    body17 = f"{prefix2}{region}{body8}{org_code_check(body8)}"
    return body17 + codes.uscc_check_char(body17)


def make_resident_id(region: str = "350602", birth: str = "19900101") -> str:
    """A fresh valid 公民身份号码."""
    body17 = f"{region}{birth}{next(_serial) % 1000:03d}"
    return body17 + codes.resident_id_check_char(body17)


def company(session: Session, name: str = "漳州市测试食品有限公司", prefix2: str = "91") -> Subject:
    """Register a company."""
    return service.register_organisation(session, uscc=make_uscc(prefix2), name=name, actor="test")


def person(session: Session, keyring: Keyring, name: str = "张三丰", number: str | None = None) -> Subject:
    """Register a natural person with a resident ID."""
    return service.register_person(session, keyring, name=name, document_type=codes.DocumentType.RESIDENT_ID,
                                   document_number=number or make_resident_id(), actor="test")
