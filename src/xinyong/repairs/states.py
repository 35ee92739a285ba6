"""Status of a repair application and its transition table (F8; issue 6 Must have 2)."""

from __future__ import annotations

from enum import StrEnum

from xinyong.statemachine import StateMachine


class RepairStatus(StrEnum):
    """submitted → accepted / refused (3 working days) → approved / rejected (10 working days) → done."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    APPROVED = "approved"
    REJECTED = "rejected"
    DONE = "done"


REPAIR_TRANSITIONS: dict[RepairStatus, set[RepairStatus]] = {
    RepairStatus.SUBMITTED: {RepairStatus.ACCEPTED, RepairStatus.REFUSED},
    RepairStatus.ACCEPTED: {RepairStatus.APPROVED, RepairStatus.REJECTED},
    RepairStatus.APPROVED: {RepairStatus.DONE},  # done once publication, sharing and lists have been updated
    RepairStatus.REFUSED: set(),
    RepairStatus.REJECTED: set(),
    RepairStatus.DONE: set(),
}

REPAIR_LABELS = {
    RepairStatus.SUBMITTED: "已提交，待受理", RepairStatus.ACCEPTED: "已受理，审核中", RepairStatus.REFUSED: "不予受理",
    RepairStatus.APPROVED: "准予修复", RepairStatus.REJECTED: "不予修复", RepairStatus.DONE: "修复完成",
}
OPEN_STATUSES = (RepairStatus.SUBMITTED, RepairStatus.ACCEPTED, RepairStatus.APPROVED)

repair_machine = StateMachine("repair_application", REPAIR_TRANSITIONS, REPAIR_LABELS)


class TargetKind(StrEnum):
    """What is repaired: a credit record (行政处罚 etc.) or a list entry."""

    RECORD = "record"
    LIST_ENTRY = "list_entry"


class NoticeKind(StrEnum):
    """Documents issued to the applicant, each with its own number."""

    ACCEPTANCE = "受理通知书"
    REFUSAL = "不予受理通知书"
    APPROVAL = "信用修复决定书"
    REJECTION = "不予信用修复决定书"
