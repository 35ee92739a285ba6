"""Idempotent record jobs, run by `xinyong jobs run`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from xinyong.audit.service import record_event
from xinyong.catalog.models import RecordType
from xinyong.db import UTCDateTime, utcnow
from xinyong.records.models import ChangeEvent, CreditRecord
from xinyong.records.states import ChangeKind, RecordStatus


def expire_publications(session: Session, today: dt.date) -> int:
    """Records whose display period ended before today leave the portal once, with a change event."""
    due = (CreditRecord.is_current.is_(True), CreditRecord.status == RecordStatus.EFFECTIVE,
           CreditRecord.publish_until < today, CreditRecord.expired_at.is_(None))
    now = utcnow()
    source = (
        select(literal(now, UTCDateTime()), literal(ChangeKind.EXPIRED.value), CreditRecord.id, CreditRecord.subject_id,
               RecordType.code, CreditRecord.natural_key, CreditRecord.version)
        .join(RecordType, RecordType.id == CreditRecord.record_type_id).where(*due).order_by(CreditRecord.id)
    )
    session.execute(insert(ChangeEvent).from_select(
        ["occurred_at", "kind", "record_id", "subject_id", "record_type_code", "natural_key", "version"], source))
    result = session.execute(update(CreditRecord).where(*due).values(expired_at=now))
    expired = result.rowcount or 0
    if expired:  # one event per run: each record's own change is in the change feed
        record_event(session, actor="system:jobs", action="record.display_ended", entity_type="credit_record",
                     detail={"count": expired, "today": today.isoformat()})
    return expired
