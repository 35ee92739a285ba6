"""Departments, principals and proposals for list tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tests.records.builders import clerk_of, department
from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.departments.models import Department
from xinyong.lists import service
from xinyong.lists.schemas import EntryProposal, SubjectRef
from xinyong.subjects.models import Subject

CREDIT_OFFICE = Principal(kind="user", id=1, name="信用办", role=Role.CREDIT_OFFICE_ADMIN, department_id=None)
DAY = dt.date(2026, 6, 1)  # a Monday outside any holiday


def recogniser(session: Session, *codes: str, name: str = "漳州市市场监督管理局") -> tuple[Department, Principal]:
    """A department granted the given list types, and its clerk."""
    dept = department(session, name)
    for code in codes:
        service.grant(session, service.get_list_type(session, code), dept, actor="test")
    return dept, clerk_of(dept)


def proposal(list_type: str, subject: Subject, *, facts: str = "经查，该主体存在严重违法失信行为。",
             recognised_on: dt.date = DAY, document_number: str | None = None, **extra: object) -> EntryProposal:
    """A valid proposal for a company (or a person when document_number is given)."""
    ref = (SubjectRef(document_type="居民身份证", document_number=document_number) if document_number
           else SubjectRef(code=subject.uscc))
    return EntryProposal(list_type=list_type, subject=ref, facts=facts, recognised_on=recognised_on, **extra)
