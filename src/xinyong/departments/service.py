"""Registering departments."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong import codes
from xinyong.audit.service import record_event
from xinyong.departments import repository
from xinyong.departments.errors import DepartmentExists, DepartmentNotFound
from xinyong.departments.models import Department
from xinyong.errors import InvalidInput
from xinyong.subjects import repository as subjects_repository
from xinyong.subjects import service as subjects_service


def add_department(session: Session, *, uscc: str, name: str, actor: str, region_code: str | None = None) -> Department:
    """Register a department; its agency subject is created when not yet known."""
    code = codes.validate_uscc(uscc)
    if repository.get_by_uscc(session, code) is not None:
        raise DepartmentExists(f"部门 {code} 已登记")
    if region_code is not None and not (len(region_code) == 6 and region_code.isdigit()):
        raise InvalidInput(f"行政区划代码应为6位数字，实为“{region_code}”")
    subject = subjects_repository.get_by_uscc(session, code)
    if subject is None:
        subject = subjects_service.register_organisation(session, uscc=code, name=name, actor=actor, agency=True)
    elif not subject.is_agency:
        subject.is_agency = True
    department = Department(
        subject_id=subject.id, uscc=code, name=subject.name if not name else name.strip(),
        region_code=region_code or subject.region_code,
    )
    session.add(department)
    session.flush()
    record_event(session, actor=actor, action="department.added", entity_type="department",
                 entity_id=department.id, detail={"uscc": code, "name": department.name})
    return department


def get_department(session: Session, uscc: str) -> Department:
    """Department by code, or DepartmentNotFound."""
    code = codes.validate_uscc(uscc)
    department = repository.get_by_uscc(session, code)
    if department is None:
        raise DepartmentNotFound(f"未找到统一社会信用代码为 {code} 的部门，请先用 xinyong departments add 登记")
    return department
