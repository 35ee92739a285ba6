"""Queries of attachments."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.attachments.models import Attachment


def attachments_of(session: Session, owner_type: str, owner_id: int | str) -> list[Attachment]:
    """The files attached to one owner, oldest first."""
    query = select(Attachment).where(Attachment.owner_type == owner_type, Attachment.owner_id == str(owner_id))
    return list(session.scalars(query.order_by(Attachment.id)))


def get_attachment(session: Session, owner_type: str, owner_id: int | str, attachment_id: int) -> Attachment | None:
    """One attachment of one owner, or None."""
    query = select(Attachment).where(
        Attachment.id == attachment_id, Attachment.owner_type == owner_type, Attachment.owner_id == str(owner_id)
    )
    return session.scalar(query)
