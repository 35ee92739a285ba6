"""Catalogue errors."""

from __future__ import annotations

from xinyong.errors import Conflict, NotFound


class RecordTypeNotFound(NotFound):
    """No catalogue entry with that code."""

    code = "record_type_not_found"


class RecordTypeExists(Conflict):
    """A catalogue entry with that code is already loaded."""

    code = "record_type_exists"
