"""Statuses of credit records and import batches, with their transition tables."""

from __future__ import annotations

from enum import StrEnum

from xinyong.statemachine import StateMachine


class RecordStatus(StrEnum):
    """A record version is effective until a newer version supersedes it or it is revoked."""

    EFFECTIVE = "effective"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


class BatchStatus(StrEnum):
    """An import batch either commits all its accepted rows or fails as a whole."""

    PROCESSING = "processing"
    COMMITTED = "committed"
    FAILED = "failed"


class Channel(StrEnum):
    """How a batch arrived."""

    CLI = "cli"
    API = "api"
    UPLOAD = "upload"


class ChangeKind(StrEnum):
    """Events of the append-only change feed."""

    ACCEPTED = "accepted"
    UPDATED = "updated"
    REVOKED = "revoked"
    EXPIRED = "expired"
    REPAIRED = "repaired"  # credit repair approved: upper platforms stop showing the record
    # List entries (topic "list"): one event per state change of an entry.
    LIST_PROPOSED = "list.proposed"
    LIST_NOTIFIED = "list.notified"
    LIST_EFFECTIVE = "list.effective"
    LIST_SUSPENDED = "list.suspended"
    LIST_EXITED = "list.exited"
    LIST_WITHDRAWN = "list.withdrawn"


RECORD_TRANSITIONS: dict[RecordStatus, set[RecordStatus]] = {
    RecordStatus.EFFECTIVE: {RecordStatus.SUPERSEDED, RecordStatus.REVOKED},
    RecordStatus.SUPERSEDED: set(),
    RecordStatus.REVOKED: set(),
}
BATCH_TRANSITIONS: dict[BatchStatus, set[BatchStatus]] = {
    BatchStatus.PROCESSING: {BatchStatus.COMMITTED, BatchStatus.FAILED},
    BatchStatus.COMMITTED: set(),
    BatchStatus.FAILED: set(),
}

record_machine = StateMachine("credit_record", RECORD_TRANSITIONS, {
    RecordStatus.EFFECTIVE: "有效", RecordStatus.SUPERSEDED: "已被新版本替代", RecordStatus.REVOKED: "已撤销",
})
batch_machine = StateMachine("import_batch", BATCH_TRANSITIONS, {
    BatchStatus.PROCESSING: "处理中", BatchStatus.COMMITTED: "已入库", BatchStatus.FAILED: "失败",
})
