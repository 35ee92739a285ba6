"""Suspension while an objection is verified, and exit with its public announcement (退出公告)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.db import utcnow
from xinyong.lists import repository
from xinyong.lists.definitions import ExitReason
from xinyong.lists.events import move
from xinyong.lists.models import ListAnnouncement, ListEntry
from xinyong.lists.states import EntryStatus, entry_machine


def suspend(session: Session, principal: Principal, entry: ListEntry, *, reason: str) -> ListEntry:
    """An objection on an effective entry is being verified: measures are not applied meanwhile."""
    principal.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    principal.require_department(entry.department_id)
    move(session, entry, EntryStatus.SUSPENDED, actor=principal.actor, reason=reason)
    return entry


def reinstate(session: Session, principal: Principal, entry: ListEntry, *, reason: str) -> ListEntry:
    """The objection was rejected: the entry applies again."""
    principal.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    principal.require_department(entry.department_id)
    move(session, entry, EntryStatus.EFFECTIVE, actor=principal.actor, reason=reason)
    return entry


def exit_by(session: Session, principal: Principal, entry: ListEntry, reason: ExitReason,
            note: str | None = None) -> ListEntry:
    """A person ends an entry early (repair, correction, mistake, changed standard)."""
    principal.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    principal.require_department(entry.department_id)
    return exit_entry(session, entry, reason, actor=principal.actor, note=note)


def exit_entry(session: Session, entry: ListEntry, reason: ExitReason, *, actor: str,
               note: str | None = None) -> ListEntry:
    """Exit an entry and publish its exit announcement through the original channel."""
    entry_machine.check(entry.status, EntryStatus.EXITED)  # a refused exit must keep the first exit's reason
    entry.exit_reason, entry.exit_note, entry.exited_at = reason, note, utcnow()
    move(session, entry, EntryStatus.EXITED, actor=actor, reason=f"{reason.value}{'：' + note if note else ''}")
    announce_exit(session, entry)
    return entry


def announce_exit(session: Session, entry: ListEntry) -> ListAnnouncement:
    """退出公告: numbered per year; public where the entry's list type is public."""
    now = entry.exited_at or utcnow()
    number = f"退出公告〔{now.year}〕{repository.announcements_in_year(session, now.year) + 1}号"
    name = masking.mask_name(entry.subject_name) if entry.subject_masked_id else entry.subject_name
    who = entry.subject_code or entry.subject_masked_id or ""
    body = (f"{name}（{who}）于 {entry.valid_from} 被列入“{entry.list_type.name}”，"
            f"因{entry.exit_reason.value if entry.exit_reason else '退出'}，自 {now.date()} 起退出该名单，"
            "有关部门停止对其实施相应的联合奖惩措施。" + (f"说明：{entry.exit_note}" if entry.exit_note else ""))
    announcement = ListAnnouncement(entry_id=entry.id, number=number, title=f"关于{name}退出{entry.list_type.name}的公告",
                                    body=body, is_public=bool(entry.list_type.definition.get("public", True)),
                                    published_at=now)
    session.add(announcement)
    session.flush()
    return announcement
