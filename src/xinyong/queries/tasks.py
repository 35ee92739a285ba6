"""Periodic work of the query domain: keep query logs only as long as configured (idempotent)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.queries import repository


def retention_cutoff(today: dt.date, years: int) -> dt.datetime:
    """Start of the same calendar day `years` ago, in UTC (29 February falls back to the 28th)."""
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def purge_query_logs(session: Session, today: dt.date, years: int) -> dict[str, int]:
    """Delete query logs older than the retention period and one-time codes expired over a day ago."""
    logs = repository.purge_logs_before(session, retention_cutoff(today, years))
    codes = repository.purge_codes_before(session, dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
                                          - dt.timedelta(days=1))
    return {"query_logs": logs, "one_time_codes": codes}
