"""Every query about departments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.departments.models import Department


def get_by_uscc(session: Session, uscc: str) -> Department | None:
    """Department by its 统一社会信用代码."""
    return session.scalars(select(Department).where(Department.uscc == uscc)).first()


def list_all(session: Session) -> Sequence[Department]:
    """Every department, by region then name."""
    return session.scalars(select(Department).order_by(Department.region_code, Department.name)).all()
