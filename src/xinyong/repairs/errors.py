"""Errors of the repairs domain."""

from __future__ import annotations

from xinyong.errors import Conflict, InvalidInput, NotFound


class RepairNotFound(NotFound):
    """No such repair application (or the tracking code and ID tail do not match)."""

    code = "repair_not_found"


class RepairTargetNotFound(NotFound):
    """The record or list entry to repair does not exist, or is not this subject's."""

    code = "repair_target_not_found"


class NotEligible(Conflict):
    """The rules in force do not allow this repair (yet): severity, period, exclusion."""

    code = "repair_not_eligible"


class InvalidRepair(InvalidInput):
    """Application content that cannot be accepted."""

    code = "invalid_repair"


class RepairRulesError(InvalidInput):
    """A repair-rules file that cannot be accepted; names the file and the line."""

    code = "invalid_repair_rules"

    def __init__(self, message: str, source: str, line: int | None = None) -> None:
        where = f"{source} 第{line}行" if line else source
        super().__init__(f"{message} ({where})")


class DuplicateRepair(Conflict):
    """The record or entry already has an open application."""

    code = "duplicate_repair"
