"""Installation-wide values, such as the encryption key check."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import Base, utcnow


class SystemValue(Base):
    """A named installation value."""

    __tablename__ = "system_value"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
