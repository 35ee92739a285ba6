"""Errors of the lists domain."""

from __future__ import annotations

from xinyong.errors import Conflict, Forbidden, InvalidInput, NotFound


class ListTypeNotFound(NotFound):
    """No such list type."""

    code = "list_type_not_found"


class EntryNotFound(NotFound):
    """No such list entry."""

    code = "list_entry_not_found"


class SubjectNotFound(NotFound):
    """A proposal names a subject the registry does not know."""

    code = "subject_not_found"


class NotRecognisingDepartment(Forbidden):
    """The department may not recognise entries of this list type."""

    code = "not_recognising_department"


class DuplicateEntry(Conflict):
    """The same subject is already proposed or listed for the same type and facts."""

    code = "duplicate_list_entry"


class CrossCheckConflict(Conflict):
    """A subject on the black or watch list cannot enter the red list (交叉比对)."""

    code = "cross_check_conflict"


class DueProcessMissing(Conflict):
    """A step the rules require (notice, objection window) has not happened yet."""

    code = "due_process_missing"


class InvalidEntry(InvalidInput):
    """Entry content that cannot be accepted."""

    code = "invalid_list_entry"


class WebhookNotFound(NotFound):
    """No such webhook."""

    code = "webhook_not_found"


class InvalidWebhook(InvalidInput):
    """A webhook address or domain list that cannot be accepted."""

    code = "invalid_webhook"


class DuplicateWebhook(Conflict):
    """The department already has an active webhook with this address."""

    code = "duplicate_webhook"
