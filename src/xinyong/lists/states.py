"""Status of a list entry and its transition table (F5; seed 002 三(二)2, 三(五)6-7)."""

from __future__ import annotations

from enum import StrEnum

from xinyong.statemachine import StateMachine


class EntryStatus(StrEnum):
    """proposed → notified (告知, objection window) → effective → exited; suspended while an objection is verified."""

    PROPOSED = "proposed"
    NOTIFIED = "notified"
    EFFECTIVE = "effective"
    SUSPENDED = "suspended"
    EXITED = "exited"
    WITHDRAWN = "withdrawn"


ENTRY_TRANSITIONS: dict[EntryStatus, set[EntryStatus]] = {
    # A proposal goes effective directly only where no notice is required (never for natural persons).
    EntryStatus.PROPOSED: {EntryStatus.NOTIFIED, EntryStatus.EFFECTIVE, EntryStatus.WITHDRAWN},
    EntryStatus.NOTIFIED: {EntryStatus.EFFECTIVE, EntryStatus.WITHDRAWN},
    EntryStatus.EFFECTIVE: {EntryStatus.SUSPENDED, EntryStatus.EXITED},
    # Seed 002 三(五)7: measures are not applied while a black entry is being verified.
    EntryStatus.SUSPENDED: {EntryStatus.EFFECTIVE, EntryStatus.EXITED},
    EntryStatus.EXITED: set(),
    EntryStatus.WITHDRAWN: set(),
}

ENTRY_LABELS = {
    EntryStatus.PROPOSED: "拟列入", EntryStatus.NOTIFIED: "已告知（异议期）", EntryStatus.EFFECTIVE: "有效",
    EntryStatus.SUSPENDED: "异议核查中（暂停）", EntryStatus.EXITED: "已退出", EntryStatus.WITHDRAWN: "已撤回",
}
LIVE_STATUSES = (EntryStatus.EFFECTIVE, EntryStatus.SUSPENDED)
OPEN_STATUSES = (EntryStatus.PROPOSED, EntryStatus.NOTIFIED, EntryStatus.EFFECTIVE, EntryStatus.SUSPENDED)

entry_machine = StateMachine("list_entry", ENTRY_TRANSITIONS, ENTRY_LABELS)


class DeliveryStatus(StrEnum):
    """A webhook delivery is retried with backoff until delivered or given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


DELIVERY_TRANSITIONS: dict[DeliveryStatus, set[DeliveryStatus]] = {
    DeliveryStatus.PENDING: {DeliveryStatus.DELIVERED, DeliveryStatus.FAILED},
    DeliveryStatus.DELIVERED: set(),
    DeliveryStatus.FAILED: {DeliveryStatus.PENDING},  # the credit office may resend by hand
}
delivery_machine = StateMachine("webhook_delivery", DELIVERY_TRANSITIONS, {
    DeliveryStatus.PENDING: "待投递", DeliveryStatus.DELIVERED: "已投递", DeliveryStatus.FAILED: "投递失败",
})
