"""Repair jobs run by `xinyong jobs run`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.repairs import repository


def mark_overdue_repairs(session: Session, today: dt.date) -> int:
    """Flag applications not accepted or decided by their deadline (idempotent: each flag is set once)."""
    return repository.mark_overdue(session, today)
